package store

// MigrateTo lets tests stop at an older schema version.
var MigrateTo = migrateTo

// MigrationCount is how many migrations there are (versions may have gaps).
func MigrationCount() int { return len(migrations) }
