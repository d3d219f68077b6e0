package activities_test

import (
	"errors"

	"go.temporal.io/sdk/temporal"
)

func asApplicationError(err error, target **temporal.ApplicationError) bool {
	return errors.As(err, target)
}
