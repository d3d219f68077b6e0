// Package workflows holds the Temporal workflows — deterministic, ids in and
// ids out — and the client-side calls that start, update and query them.
// Their ids, the values they share with their activities and their search
// attributes are in the leaf package payload.
//
// # Versioning
//
// Until the first release each workflow has one era: a change simply
// replaces the code, and the histories in testdata are recorded anew.
//
// After it, a running workflow must replay on the code that continues it.
// Every change that alters the commands a workflow emits (an activity, timer,
// child, signal, search attribute or memo added, removed, reordered or given
// other options) is versioned:
//
//   - branch on workflow.GetVersion with a named change id (a constant
//     beside the branch, saying what changed), or deploy the change with
//     worker versioning;
//   - keep a history of the old branch: rename the histories in testdata
//     that the change affects to <name>-before-<change>.json, then record
//     new ones (go test ./worker -run Record -update-histories), so
//     TestReplayRecordedHistories replays both branches;
//   - delete the old branch, its change id and its history once the
//     namespace's retention (TEMPORAL_RETENTION, 180 days by default) has
//     passed after the last election that ran it: no history that needs
//     it exists any more.
//
// A change that emits the same commands (a log line, a query, a fix inside
// an activity) needs no version.
package workflows
