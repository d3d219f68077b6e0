package store

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
)

// Parties lists the council groups (by letter) and the pools (by name), and
// the valggrupper by name. Anyone logged in may know the parties.
func Parties(ctx context.Context, db *gorm.DB) (groups, pools []models.Party, valggrupper []models.Valggruppe, err error) {
	db = db.WithContext(ctx)
	if groups, pools, _, err = loadParties(db); err != nil {
		return
	}
	if err = db.Find(&valggrupper).Error; err != nil {
		return
	}
	models.SortDanish(valggrupper, func(v models.Valggruppe) string { return v.Name })
	return
}

// SaveParty creates a council group or pool (ID 0) or changes one: name,
// letter, council seats and valggruppe. A party's kind is fixed when it is
// created. Pools have no seats and no valggruppe. Staff only.
func SaveParty(ctx context.Context, db *gorm.DB, actor models.User, p models.Party) (models.Party, error) {
	if !isStaff(actor) {
		return p, models.ErrForbidden
	}
	p.Name, p.Letter = strings.TrimSpace(p.Name), strings.ToUpper(strings.TrimSpace(p.Letter))
	if p.Name == "" || len(p.Name) > 100 {
		return p, models.RefuseField("name", "error.party.name")
	}
	if utf8.RuneCountInString(p.Letter) > 3 {
		return p, models.RefuseField("letter", "error.party.letter")
	}
	if p.CouncilSeats < 0 || p.CouncilSeats > 200 {
		return p, models.RefuseField("council_seats", "error.party.seats")
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if p.ID != 0 {
			var old models.Party
			if err := tx.First(&old, p.ID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
				return models.ErrNotFound
			} else if err != nil {
				return err
			}
			p.Kind = old.Kind
		}
		switch p.Kind {
		case models.CouncilGroup:
		case models.Pool:
			if p.CouncilSeats != 0 || p.ValggruppeID != nil {
				return models.Refuse("error.party.poolquota")
			}
		default:
			return models.RefuseField("kind", "error.party.kind")
		}
		var n int64
		if err := tx.Model(&models.Valggruppe{}).Where("name = ?", p.Name).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return models.RefuseField("name", "error.party.namevalggruppe")
		}
		if p.ValggruppeID != nil {
			if err := tx.Model(&models.Valggruppe{}).Where("id = ?", *p.ValggruppeID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return models.RefuseField("valggruppe_id", "error.valggruppe.unknown")
			}
		}
		if p.ID == 0 {
			return tx.Create(&p).Error
		}
		return tx.Model(&models.Party{}).Where("id = ?", p.ID).Updates(map[string]any{
			"name": p.Name, "letter": p.Letter, "council_seats": p.CouncilSeats, "valggruppe_id": p.ValggruppeID}).Error
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return p, models.RefuseField("name", "error.party.nametaken")
	}
	return p, err
}

// CreateValggruppe adds a valggruppe; council groups join it with SaveParty.
// Its name is the contender's name in the quota, so it may not be a party's.
// Staff only.
func CreateValggruppe(ctx context.Context, db *gorm.DB, actor models.User, name string) (models.Valggruppe, error) {
	v := models.Valggruppe{Name: strings.TrimSpace(name)}
	if !isStaff(actor) {
		return v, models.ErrForbidden
	}
	if v.Name == "" || len(v.Name) > 100 {
		return v, models.RefuseField("name", "error.valggruppe.name")
	}
	db = db.WithContext(ctx)
	var n int64
	if err := db.Model(&models.Party{}).Where("name = ?", v.Name).Count(&n).Error; err != nil {
		return v, err
	}
	if n > 0 {
		return v, models.RefuseField("name", "error.valggruppe.nameparty")
	}
	err := db.Create(&v).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return v, models.RefuseField("name", "error.valggruppe.nametaken")
	}
	return v, err
}

// DeleteValggruppe removes a valggruppe; its members stand alone again.
// Staff only.
func DeleteValggruppe(ctx context.Context, db *gorm.DB, actor models.User, id int64) error {
	if !isStaff(actor) {
		return models.ErrForbidden
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// SQLite may run without foreign keys enforced: do the ON DELETE
		// SET NULL here as well.
		if err := tx.Model(&models.Party{}).Where("valggruppe_id = ?", id).Update("valggruppe_id", nil).Error; err != nil {
			return err
		}
		res := tx.Delete(&models.Valggruppe{}, id)
		if res.Error == nil && res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		return res.Error
	})
}
