package setup

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
)

// StartPage is what the public start page shows: the municipality, its
// next election and its polling stations — nothing that is personal data.
type StartPage struct {
	// Municipality is false until the municipality is set up.
	HasMunicipality bool
	Municipality    models.Municipality
	// Election is the next election not closed, today or later, if any.
	HasElection bool
	Election    models.Election
	Stations    []models.PollingStation // district order
	AreaNames   map[int64]string
}

// StartPage reads the public start page.
func (s *Service) StartPage(ctx context.Context) (StartPage, error) {
	var v StartPage
	db := s.DB.WithContext(ctx)
	if err := db.First(&v.Municipality).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return v, nil
	} else if err != nil {
		return v, err
	}
	v.HasMunicipality = true
	today := models.DateOf(s.Now().In(models.Copenhagen))
	res := db.Where("election_day >= ? AND state <> ?", today, models.ElectionClosed).
		Order("election_day").Limit(1).Find(&v.Election)
	if res.Error != nil {
		return v, res.Error
	}
	v.HasElection = res.RowsAffected == 1
	var err error
	if v.Stations, err = s.Stations(ctx); err != nil {
		return v, err
	}
	v.AreaNames, err = s.AreaNames(ctx)
	return v, err
}
