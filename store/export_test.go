package store

// MigrateTo lets tests stop at an older schema version.
var MigrateTo = migrateTo

// MigrationCount is how many migrations there are (versions may leave a gap).
func MigrationCount() int { return len(migrations) }

// MigrationVersions are the versions of the migrations, in their order.
func MigrationVersions() []int {
	v := make([]int, len(migrations))
	for i, m := range migrations {
		v[i] = m.version
	}
	return v
}
