package workflows

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// EnsureSchedule makes the Temporal Schedule opts.ID exist as opts says:
// created, or, when it exists already, brought to opts' spec, action,
// overlap policy and (when set) catch-up window. Run again it changes
// nothing: start-up and every state change may call it.
func EnsureSchedule(ctx context.Context, c client.Client, opts client.ScheduleOptions) error {
	_, err := c.ScheduleClient().Create(ctx, opts)
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		if err != nil {
			return fmt.Errorf("create the schedule %s: %w", opts.ID, err)
		}
		return nil
	}
	err = c.ScheduleClient().GetHandle(ctx, opts.ID).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			s := in.Description.Schedule
			spec := opts.Spec
			s.Spec, s.Action = &spec, opts.Action
			if s.Policy == nil {
				s.Policy = &client.SchedulePolicies{}
			}
			s.Policy.Overlap = opts.Overlap
			if opts.CatchupWindow != 0 {
				s.Policy.CatchupWindow = opts.CatchupWindow
			}
			return &client.ScheduleUpdate{Schedule: &s}, nil
		}})
	if err != nil {
		return fmt.Errorf("update the schedule %s: %w", opts.ID, err)
	}
	return nil
}
