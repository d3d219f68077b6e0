package web_test

import (
	"context"

	"go.temporal.io/sdk/client"
)

// The handler tests' Temporal double keeps no schedules: making, moving and
// deleting an election's re-validation schedule (recruit.SetElectionState,
// setup.UpdateElection) succeed and do nothing. The schedules themselves
// are tested against a real server in worker.
func (temporalHealth) ScheduleClient() client.ScheduleClient { return noSchedules{} }

type noSchedules struct{ client.ScheduleClient }

func (noSchedules) Create(context.Context, client.ScheduleOptions) (client.ScheduleHandle, error) {
	return noSchedule{}, nil
}

func (noSchedules) GetHandle(context.Context, string) client.ScheduleHandle { return noSchedule{} }

type noSchedule struct{ client.ScheduleHandle }

func (noSchedule) Update(context.Context, client.ScheduleUpdateOptions) error { return nil }
func (noSchedule) Delete(context.Context) error                               { return nil }
