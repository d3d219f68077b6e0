package store

import (
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// districtKindCheck: a polling station has an afstemningsområde number, a
// work location none.
const districtKindCheck = `CHECK ((district IS NULL) = (kind = 'work_location'))`

// districtNullable is migration 36's step: polling_stations.district loses
// its NOT NULL and gains districtKindCheck.
//
// PostgreSQL alters the column. SQLite cannot drop a NOT NULL in place, and
// its usual cure, a rebuild of the table (create new, copy, drop, rename),
// is unsafe here: the migration runs in one transaction, where
// foreign_keys cannot be turned off, so dropping the old table would run
// the ON DELETE CASCADE of every table that references it (slots,
// assignments …). Instead it takes the procedure SQLite documents for
// removing a NOT NULL or adding a CHECK that the rows already meet
// (lang_altertable.html, "otheralter"): rewrite the table's text in
// sqlite_schema, raise schema_version so the schema is read again, and
// check the table. The file format is the same with or without the
// constraint, so no row is touched.
func districtNullable(tx *gorm.DB, d Dialect) error {
	if d == Postgres {
		for _, stmt := range []string{
			`ALTER TABLE polling_stations ALTER COLUMN district DROP NOT NULL`,
			`ALTER TABLE polling_stations ADD CONSTRAINT polling_stations_district_kind ` + districtKindCheck,
		} {
			if err := tx.Exec(stmt).Error; err != nil {
				return err
			}
		}
		return nil
	}
	const old = "district INTEGER NOT NULL UNIQUE"
	var table string
	if err := tx.Raw(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'polling_stations'`).Scan(&table).Error; err != nil {
		return err
	}
	if strings.Count(table, old) != 1 {
		return errors.New("polling_stations: district column not as migration 1 made it")
	}
	table = strings.Replace(table, old, "district INTEGER UNIQUE "+districtKindCheck, 1)
	var version int
	if err := tx.Raw(`PRAGMA schema_version`).Scan(&version).Error; err != nil {
		return err
	}
	for _, stmt := range []string{`PRAGMA writable_schema = ON`,
		`UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'polling_stations'`,
		fmt.Sprintf(`PRAGMA schema_version = %d`, version+1),
		`PRAGMA writable_schema = OFF`} {
		var args []any
		if strings.HasPrefix(stmt, "UPDATE") {
			args = []any{table}
		}
		if err := tx.Exec(stmt, args...).Error; err != nil {
			return err
		}
	}
	var check []string
	if err := tx.Raw(`PRAGMA integrity_check(polling_stations)`).Scan(&check).Error; err != nil {
		return err
	}
	if len(check) != 1 || check[0] != "ok" {
		return fmt.Errorf("polling_stations after dropping NOT NULL: %s", strings.Join(check, "; "))
	}
	var notNull int
	if err := tx.Raw(`SELECT "notnull" FROM pragma_table_info('polling_stations') WHERE name = 'district'`).Scan(&notNull).Error; err != nil {
		return err
	}
	if notNull != 0 {
		return errors.New("polling_stations.district still NOT NULL after the schema change")
	}
	return nil
}
