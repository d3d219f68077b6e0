package electionday

import (
	"context"
	"strconv"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Station is a station's check-in list: its people, and for staff its
// named leaders.
type Station struct {
	Election models.Election
	Station  models.PollingStation
	People   []models.StationPerson
	Counts   models.CheckInCounts
	// Leaders and Candidates (the station's people, once each, whom staff
	// may name): staff only (a leader is shown none).
	Leaders, Candidates []models.StationLeaderRow
	// MayMark: the actor may mark (staff who write, or the leader).
	MayMark bool
}

// StationStaff is an election's station's check-in list for staff (who
// read) or for a leader of that station (in an active election).
func (s *Service) StationStaff(ctx context.Context, actor Actor, electionID, stationID int64) (Station, error) {
	var out Station
	if actor.User != nil {
		if !actor.staffReads() {
			return out, models.ErrForbidden
		}
	} else if err := s.leads(ctx, actor, electionID, stationID); err != nil {
		return out, err
	}
	var err error
	if out.Election, out.Station, err = store.CheckInPlace(ctx, s.DB, electionID, stationID); err != nil {
		return out, err
	}
	if out.People, err = store.StationStaff(ctx, s.DB, electionID, stationID); err != nil {
		return out, err
	}
	counts, err := store.StationCounts(ctx, s.DB, electionID, out.Election.ElectionDay)
	if err != nil {
		return out, err
	}
	out.Counts = counts[stationID]
	out.MayMark = actor.User == nil || actor.staffWrites()
	if actor.User == nil {
		for i := range out.People {
			if out.People[i].Protected {
				out.People[i].Phone = ""
			}
		}
	}
	if actor.User != nil {
		if out.Candidates, err = store.StationLeaderCandidates(ctx, s.DB, electionID, stationID); err != nil {
			return out, err
		}
		out.Leaders, err = store.StationLeaders(ctx, s.DB, electionID, stationID)
	}
	return out, err
}

// StationRow is one station on the check-in overview.
type StationRow struct {
	Station models.PollingStation
	Counts  models.CheckInCounts
}

// Stations is an election's stations with their counts on the election
// day, for staff.
func (s *Service) Stations(ctx context.Context, actor Actor, electionID int64) (models.Election, []StationRow, error) {
	if !actor.staffReads() {
		return models.Election{}, nil, models.ErrForbidden
	}
	e, sts, err := store.CheckInStations(ctx, s.DB, electionID)
	if err != nil {
		return e, nil, err
	}
	counts, err := store.StationCounts(ctx, s.DB, electionID, e.ElectionDay)
	if err != nil {
		return e, nil, err
	}
	rows := make([]StationRow, len(sts))
	for i, st := range sts {
		rows[i] = StationRow{Station: st, Counts: counts[st.ID]}
	}
	return e, rows, nil
}

// StationCounts is the check-in counts per station of an election on day,
// for staff (the recruitment overview's day columns).
func (s *Service) StationCounts(ctx context.Context, actor models.User, electionID int64, day models.Date) (map[int64]models.CheckInCounts, error) {
	if !AsStaff(actor).staffReads() {
		return nil, models.ErrForbidden
	}
	return store.StationCounts(ctx, s.DB, electionID, day)
}

// NameLeader names one of the people assigned at the station in the
// election its leader (audited). Staff who write.
func (s *Service) NameLeader(ctx context.Context, actor models.User, electionID, stationID, participantID int64) error {
	if _, _, err := store.CheckInPlace(ctx, s.DB, electionID, stationID); err != nil {
		return err
	}
	return store.NameStationLeader(ctx, s.DB, actor, electionID, stationID, participantID, s.Now())
}

// RemoveLeader takes a leader off the station (audited). Staff who write.
func (s *Service) RemoveLeader(ctx context.Context, actor models.User, electionID, stationID, participantID int64) error {
	return store.RemoveStationLeader(ctx, s.DB, actor, electionID, stationID, participantID, s.Now())
}

// LedStations are the stations a volunteer leads in active elections (Min
// side links each to its check-in list).
func (s *Service) LedStations(ctx context.Context, participantID int64) ([]models.LedStation, error) {
	return store.LedStations(ctx, s.DB, participantID)
}
