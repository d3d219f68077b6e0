package bench

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/electionday"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/signup"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/vault"
	"github.com/valghalla/valghalla/workflows/payload"
)

// ElectionDayResult is election morning: every confirmed person checked in
// within the window, a share of them marked absent, and each absence
// replaced by SMS.
type ElectionDayResult struct {
	Stations, People, Absent int
	Window                   time.Duration
	// CheckIn is the latency of one check-in: the use case's call, which
	// is the lifecycle's checkin update through Temporal and the
	// projection's write (the page adds one HTTP round trip on loopback).
	CheckIn Percentiles
	// FirstAsk is from an absent mark to the first replacement SMS at the
	// fake Twilio; Filled to the replacement's confirmed assignment on the
	// slot, when the first person asked answers JA at once.
	FirstAsk, Filled Percentiles
	Failed           int
}

// Percentiles of a set of durations.
type Percentiles struct {
	N                  int
	P50, P95, P99, Max time.Duration
}

func percentilesOf(d []time.Duration) Percentiles {
	if len(d) == 0 {
		return Percentiles{}
	}
	slices.Sort(d)
	at := func(q float64) time.Duration { return d[min(len(d)-1, int(q*float64(len(d))))] }
	return Percentiles{N: len(d), P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: d[len(d)-1]}
}

// ErrTaskDayTooShort: the election is held today (Copenhagen), and check-in
// is refused once the task day is over, so the run must end before
// midnight.
var ErrTaskDayTooShort = errors.New("bench electionday: too little of today (Copenhagen) is left for the check-in window")

// dayMargin is the time the run needs besides the window: starting the
// lifecycles and waiting for the replacements.
const dayMargin = 10 * time.Minute

// absentEvery marks every 20th person absent: 5 %.
const absentEvery = 20

// RunElectionDay seeds an election held today in stations polling stations
// with people confirmed (their lifecycles running), three reserves per
// station and as many again on the party's municipality-wide list; then
// checks everyone in at an even pace over window, every 20th absent. The
// first person asked for each absence answers JA by SMS through the signed
// webhook.
func RunElectionDay(ctx context.Context, o Options, stations, people int, window time.Duration, progress func(string)) (ElectionDayResult, error) {
	res := ElectionDayResult{Stations: stations, People: people, Window: window}
	s, err := Start(ctx, o, nil)
	if err != nil {
		return res, err
	}
	defer s.Close()
	d, err := seedElectionDay(ctx, s.DB, s.Keys, stations, people, window)
	if err != nil {
		return res, err
	}
	progress(fmt.Sprintf("starting %d confirmed lifecycles…", people))
	for _, a := range d.Assignments {
		if _, err := s.Client.ExecuteWorkflow(ctx, signup.StartOptions(payload.RefOf(a), taskQueue), payload.LifecycleWorkflow,
			payload.LifecycleInput{AssignmentID: a.ID, Confirmed: true}); err != nil {
			return res, err
		}
	}
	// Each confirmed person gets a confirmation; wait for all of them, so
	// the check-ins meet running lifecycles only.
	if err := waitCount(ctx, s.arrivals, people, progress, "confirmations"); err != nil {
		return res, err
	}

	progress(fmt.Sprintf("checking %d people in over %v…", people, window))
	actor := electionday.AsStaff(d.Staff)
	var mu sync.Mutex
	var checkIns []time.Duration
	absences := &absences{at: map[int64]time.Time{}}
	// The reserves answer as people do, while the morning goes on.
	replies := make(chan replacementResult, 1)
	go func() { replies <- s.answerAsks(ctx, d, absences) }()
	var wg sync.WaitGroup
	tick := time.NewTicker(window / time.Duration(people))
	defer tick.Stop()
	for i, a := range d.Assignments {
		<-tick.C
		wg.Add(1)
		go func(i int, a models.Assignment) {
			defer wg.Done()
			present := i%absentEvery != absentEvery-1
			t0 := time.Now()
			err := s.UseCases.ElectionDay.CheckIn(ctx, actor, a.ID, present)
			lat := time.Since(t0)
			if err == nil && !present {
				absences.add(a.ID, t0)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.Failed++
				return
			}
			checkIns = append(checkIns, lat)
		}(i, a)
	}
	wg.Wait()
	absences.close()
	res.CheckIn, res.Absent = percentilesOf(checkIns), absences.count()
	progress(fmt.Sprintf("waiting for the last of the %d replacements…", res.Absent))
	r := <-replies
	res.FirstAsk, res.Filled = percentilesOf(r.firstAsks), percentilesOf(r.filled)
	return res, r.err
}

// absences are the people marked absent so far, by assignment, with the
// instant of the mark; closed once every check-in is done.
type absences struct {
	mu     sync.Mutex
	at     map[int64]time.Time
	closed bool
}

func (a *absences) add(id int64, t time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.at[id] = t
}

func (a *absences) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closed = true
}

func (a *absences) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.at)
}

func (a *absences) snapshot() (map[int64]time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return maps.Clone(a.at), a.closed
}

type replacementResult struct {
	firstAsks, filled []time.Duration
	err               error
}

// answerAsks follows each absence: the first SMS that asks someone to take
// the slot, answered JA at once from that number (the first asked who has
// not said JA elsewhere), then the replacement's confirmed assignment. It
// returns when every absence is replaced, at most 5 minutes after the last
// check-in.
func (s *Stack) answerAsks(ctx context.Context, d dayElection, abs *absences) (r replacementResult) {
	asked := map[int64]bool{}   // the first ask has come
	replied := map[int64]bool{} // a JA was sent for it
	done := map[int64]bool{}
	answered := map[string]bool{} // numbers that said JA already
	var deadline time.Time
	for {
		absentAt, closed := abs.snapshot()
		if closed && len(done) == len(absentAt) {
			return r
		}
		if closed && deadline.IsZero() {
			deadline = time.Now().Add(5 * time.Minute)
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			r.err = fmt.Errorf("%d of %d absences not replaced within 5 minutes of the last check-in", len(absentAt)-len(done), len(absentAt))
			return r
		}
		if r.err = ctx.Err(); r.err != nil {
			return r
		}
		for id, t0 := range absentAt {
			if !replied[id] {
				at, mobile, err := s.firstAsk(ctx, d, id, t0, answered)
				if err != nil {
					r.err = err
					return r
				}
				if !at.IsZero() && !asked[id] {
					asked[id] = true
					r.firstAsks = append(r.firstAsks, at.Sub(t0))
				}
				if mobile == "" {
					continue
				}
				replied[id] = true
				// A reserve may be asked for two absences at once; their JA
				// fills the one still looking, so each number says JA once.
				answered[mobile] = true
				if _, err := s.sms.Reply(ctx, mobile, "JA"); err != nil {
					r.err = err
					return r
				}
			}
			if !done[id] {
				var next models.Assignment
				if r.err = s.DB.WithContext(ctx).Where("replaces_id = ? AND state = ?", id, models.StateConfirmed).
					Limit(1).Find(&next).Error; r.err != nil {
					return r
				}
				if next.ID != 0 {
					done[id] = true
					r.filled = append(r.filled, time.Since(t0)) // seen in the projection
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// firstAsk finds the first SMS at the fake that asks someone to replace
// the absent assignment, and the number of the first asked whose JA would
// go to this search ("" while there is none).
func (s *Stack) firstAsk(ctx context.Context, d dayElection, absentID int64, since time.Time, answered map[string]bool) (time.Time, string, error) {
	var offers []models.DayOffer
	if err := s.DB.WithContext(ctx).Where("absent_assignment_id = ?", absentID).Find(&offers).Error; err != nil {
		return time.Time{}, "", err
	}
	var first, firstFree time.Time
	var number string
	for _, o := range offers {
		mobile := d.Mobiles[o.ParticipantID]
		for _, m := range s.sms.Sent(mobile) {
			if m.Created.Before(since) {
				continue
			}
			if first.IsZero() || m.Created.Before(first) {
				first = m.Created
			}
			if !answered[mobile] && (firstFree.IsZero() || m.Created.Before(firstFree)) && s.answersTo(ctx, mobile, absentID) {
				firstFree, number = m.Created, mobile
			}
		}
	}
	return first, number, nil
}

// answersTo tells whether a JA from mobile now goes to the search for a
// replacement of absentID: a reserve asked for two absences answers the
// newest still looking (store.DayOfferByMobile, the product's rule).
func (s *Stack) answersTo(ctx context.Context, mobile string, absentID int64) bool {
	o, found, err := store.DayOfferByMobile(ctx, s.DB, store.MobileIndex(s.Keys, mobile), time.Now().Add(-time.Hour))
	return err == nil && found && o.AbsentAssignmentID == absentID && o.State == models.DayOfferAsked
}

// dayElection is an election held today with everyone confirmed.
type dayElection struct {
	Staff       models.User
	Assignments []models.Assignment
	// Mobiles are everyone's numbers by participant id (reserves too).
	Mobiles map[int64]string
}

// seedElectionDay creates an active election held today whose task began
// an hour ago (Copenhagen), people on its slots as nominated (the bench
// starts their lifecycles confirmed), three reserves per station on the
// station's list and as many on the party's municipality-wide list.
func seedElectionDay(ctx context.Context, db *gorm.DB, keys *vault.Keyring, stationCount, people int, window time.Duration) (dayElection, error) {
	db = db.WithContext(ctx)
	now := time.Now().UTC()
	local := now.In(models.Copenhagen)
	day := models.DateOf(local)
	if models.DateOf(local.Add(window+dayMargin)) != day {
		return dayElection{}, fmt.Errorf("%w: %v and %v more", ErrTaskDayTooShort, window, dayMargin)
	}
	start := local.Add(-time.Hour)
	if models.DateOf(start) != day {
		start = day.In(models.Copenhagen)
	}
	d := dayElection{Mobiles: map[int64]string{}}
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&models.Municipality{Code: "0999", Name: "Benchrup Kommune", CVR: "12345674",
			SecretariatEmail: "valg@bench.dk", CreatedAt: now}).Error; err != nil {
			return err
		}
		area := models.Area{Name: "Midt"}
		if err := tx.Create(&area).Error; err != nil {
			return err
		}
		stations := make([]models.PollingStation, stationCount)
		for i := range stations {
			stations[i] = models.PollingStation{AreaID: area.ID, Name: fmt.Sprintf("Skole %d", i+1),
				Address: fmt.Sprintf("Skolevej %d", i+1), PostalCode: "9990", City: "Benchrup", District: i + 1}
		}
		if err := tx.Create(&stations).Error; err != nil {
			return err
		}
		task := models.TaskType{Name: "Tilforordnet", ShortName: "TF", StartTime: start.Format("15:04"),
			EndTime: "23:59", AllowanceKr: 1320, Reminders: true}
		party := models.Party{Name: "Socialdemokratiet", Letter: "A", Kind: models.CouncilGroup, CouncilSeats: 11}
		election := models.Election{Title: "Folketingsvalg", Kind: models.Folketingsvalg, ElectionDay: day,
			State: models.ElectionActive, DayReplaceMinutes: 60, CreatedAt: now, UpdatedAt: now}
		d.Staff = models.User{Email: "staff@bench.dk", Name: "Valgsekretariatet", Role: models.RoleStaff, CreatedAt: now}
		for _, v := range []any{&task, &party, &election, &d.Staff} {
			if err := tx.Create(v).Error; err != nil {
				return err
			}
		}
		reserves := 6 * stationCount
		everyone := make([]models.Participant, people+reserves)
		for i := range everyone {
			index := store.MobileIndex(keys, mobileOf(i))
			everyone[i] = models.Participant{CPR: models.NewSecret(benchCPR(i)), CPRIndex: "bench-" + benchCPR(i),
				Name: fmt.Sprintf("Person %d", i+1), Mobile: models.NewSecret(mobileOf(i)), MobileIndex: &index,
				CreatedAt: now, UpdatedAt: now}
		}
		if err := tx.CreateInBatches(&everyone, 500).Error; err != nil {
			return err
		}
		members := make([]models.PartyMembership, len(everyone))
		for i, p := range everyone {
			d.Mobiles[p.ID] = mobileOf(i)
			members[i] = models.PartyMembership{ParticipantID: p.ID, PartyID: party.ID, CreatedAt: now}
		}
		if err := tx.CreateInBatches(&members, 500).Error; err != nil {
			return err
		}
		slots := make([]models.Slot, people)
		for i := range slots {
			slots[i] = models.Slot{ElectionID: election.ID, StationID: stations[i%stationCount].ID, TaskTypeID: task.ID, Day: day,
				PartyID: party.ID, CreatedAt: now}
		}
		if err := tx.CreateInBatches(&slots, 500).Error; err != nil {
			return err
		}
		d.Assignments = make([]models.Assignment, people)
		for i, p := range everyone[:people] {
			sl := slots[i]
			d.Assignments[i] = models.Assignment{SlotID: sl.ID, ParticipantID: p.ID, ElectionID: sl.ElectionID, StationID: sl.StationID,
				TaskTypeID: sl.TaskTypeID, PartyID: sl.PartyID, Day: day, State: models.StateNominated,
				WorkflowID: payload.LifecycleID(sl.ID, p.ID), NominatedAt: now, UpdatedAt: now}
		}
		if err := tx.CreateInBatches(&d.Assignments, 500).Error; err != nil {
			return err
		}
		list := make([]models.Reserve, reserves)
		for k, p := range everyone[people:] {
			list[k] = models.Reserve{ElectionID: election.ID, PartyID: party.ID, ParticipantID: p.ID, CreatedAt: now}
			if k%2 == 0 { // half on a station's own list, half municipality-wide
				list[k].StationID = &stations[k/2%stationCount].ID
			}
		}
		return tx.CreateInBatches(&list, 500).Error
	})
	return d, err
}
