package workflows_test

import "github.com/stretchr/testify/mock"

// mockCtx matches the context argument of a mocked activity.
var mockCtx = mock.Anything

// mockAny matches any other argument.
var mockAny = mock.Anything
