// Package payload is what the workflows exchange with the rest of the
// product: their ids (ids.go), the values that travel between a workflow and
// its activities, and the search attributes and memo a lifecycle starts
// with. It is a leaf — it imports only models and the Temporal SDK — so
// activities (which workflows import) and store can use it without an
// import cycle. Workflow-only inputs, results and update arguments stay in
// package workflows.
package payload
