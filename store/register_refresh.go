package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
)

// RegisterFacts is what the CPR register says of a person that is kept on
// their record: the name (as registration builds it), the name and address
// protection and the exemption from Digital Post.
type RegisterFacts struct {
	Name              string
	ProtectedAddress  bool
	DigitalPostExempt bool
}

// RefreshFromRegister brings a person's record in line with what the CPR
// register says now (the re-validation reads it): their name, the name and
// address protection (set and lifted as the register says), and the
// exemption from Digital Post (set when the register says so, never lifted
// here). An empty name (a register that gave none) leaves the name as it
// is. It returns the fields that changed, by name;
// a change is audited naming the fields, never their values. A person
// deleted meanwhile is models.ErrNotFound.
func RefreshFromRegister(ctx context.Context, db *gorm.DB, participantID int64, f RegisterFacts, by string, now time.Time) ([]string, error) {
	var changed []string
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var p models.Participant
		if err := tx.Select("id", "name", "protected_address", "digital_post_exempt").Where("id = ?", participantID).Limit(1).Find(&p).Error; err != nil {
			return err
		}
		if p.ID == 0 {
			return models.ErrNotFound
		}
		fields := map[string]any{}
		if name := strings.TrimSpace(f.Name); name != "" && name != p.Name {
			fields["name"] = name
			changed = append(changed, "name")
		}
		if f.ProtectedAddress != p.ProtectedAddress {
			fields["protected_address"] = f.ProtectedAddress
			changed = append(changed, "protected_address")
		}
		// One way: the flag is also set when Digital Post refused a letter
		// to the person, or by staff; the register saying "not exempt"
		// does not undo that (a letter would fail again).
		if f.DigitalPostExempt && !p.DigitalPostExempt {
			fields["digital_post_exempt"] = f.DigitalPostExempt
			changed = append(changed, "digital_post_exempt")
		}
		if len(fields) == 0 {
			return nil
		}
		fields["updated_at"] = now
		if err := tx.Model(&models.Participant{}).Where("id = ?", participantID).Updates(fields).Error; err != nil {
			return err
		}
		return Audit(tx, models.AuditEntry{At: now, Action: models.AuditParticipantChanged, ParticipantID: &participantID,
			Detail: fmt.Sprintf("refreshed from the CPR register (%s): %s", by, strings.Join(changed, ", "))})
	})
	return changed, err
}
