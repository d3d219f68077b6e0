package sms

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/twilio/twilio-go/client"
)

func TestClassify(t *testing.T) {
	decodeErr := fmt.Errorf("error decoding the response for an HTTP error code: 503: invalid character '<'")
	tests := []struct {
		name      string
		status    int
		err       error
		code      int
		wantState int
		permanent bool
	}{
		{"invalid number", 400, &client.TwilioRestError{Status: 400, Code: 21211, Message: "The 'To' number +4512 is not a valid phone number."}, 21211, 400, true},
		{"not a mobile", 400, &client.TwilioRestError{Status: 400, Code: 21614}, 21614, 400, true},
		{"opted out", 400, &client.TwilioRestError{Status: 400, Code: 21610}, 21610, 400, true},
		{"region not enabled", 400, &client.TwilioRestError{Status: 400, Code: 21408}, 21408, 400, true},
		{"cannot route", 400, &client.TwilioRestError{Status: 400, Code: 21612}, 21612, 400, true},
		{"rate limited", 429, &client.TwilioRestError{Status: 429, Code: 20429}, 20429, 429, false},
		{"server error", 500, &client.TwilioRestError{Status: 500, Code: 20500}, 20500, 500, false},
		{"proxy 503 without JSON", 503, decodeErr, 0, 503, false},
		{"wrong credentials", 401, &client.TwilioRestError{Status: 401, Code: 20003, Message: "Authenticate"}, 20003, 401, false},
		{"unknown 400 code", 400, &client.TwilioRestError{Status: 400, Code: 21999, Message: "Number +4520123456 said no"}, 21999, 400, false},
		{"v1 error", 400, &client.RestErrorV1{HttpStatusCode: 400, Code: 21610}, 21610, 400, true},
		{"network", 0, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := classify(context.Background(), tt.status, tt.err)
			if e.Code != tt.code || e.Status != tt.wantState || e.Permanent != tt.permanent {
				t.Fatalf("classify = %+v; want code %d, status %d, permanent %v", e, tt.code, tt.wantState, tt.permanent)
			}
			if IsPermanent(e) != tt.permanent {
				t.Errorf("IsPermanent = %v", IsPermanent(e))
			}
			if strings.Contains(e.Error(), "4520123456") || strings.Contains(e.Error(), "+4512") {
				t.Errorf("error %q names a phone number", e)
			}
		})
	}
}

func TestClassifyCancelledIsNeverPermanent(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e := classify(ctx, 0, context.Canceled)
	if e.Permanent || !errors.Is(e, context.Canceled) {
		t.Fatalf("classify after cancel = %+v, Is(Canceled) = %v", e, errors.Is(e, context.Canceled))
	}
}

func TestIsPermanentOnOtherErrors(t *testing.T) {
	if IsPermanent(nil) || IsPermanent(errors.New("x")) {
		t.Fatal("IsPermanent is true for an error that is not an *Error")
	}
	if !IsPermanent(fmt.Errorf("wrapped: %w", &Error{Permanent: true})) {
		t.Fatal("IsPermanent does not see through wrapping")
	}
}

func TestPermanentCode(t *testing.T) {
	for code, want := range map[int]bool{
		21211: true, 21610: true, 21614: true, 21408: true, 21612: true,
		30003: true, 30005: true, 30006: true,
		30001: false, 30008: false, 20429: false, 20003: false, 0: false,
	} {
		if got := PermanentCode(code); got != want {
			t.Errorf("PermanentCode(%d) = %v, want %v", code, got, want)
		}
	}
}
