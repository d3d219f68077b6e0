package api

import (
	"net/http"

	"github.com/valghalla/valghalla/web/site"
)

// API is what web mounts: the API's routes.
type API struct {
	Routes []site.Route
}

type server struct {
	site.Deps
}

// New returns the JSON API over d.
func New(d site.Deps) *API {
	s := &server{Deps: d}
	return &API{Routes: s.routes()}
}

// routes is every endpoint of the API. Each declares who may use it; web
// enforces that, and authenticates the request, before the handler runs.
func (s *server) routes() []site.Route {
	return []site.Route{
		// The JSON API (api*.go), described by web/api/openapi.yaml.
		site.Handle(http.MethodGet, site.APIPrefix+"/openapi.json", site.Public, s.openAPI),
		site.Handle(http.MethodGet, site.APIPrefix+"/elections", site.StaffOnly, s.apiElections),
		site.Handle(http.MethodPost, site.APIPrefix+"/elections", site.StaffWrite, s.apiCreateElection),
		site.Handle(http.MethodGet, site.APIPrefix+"/elections/:id", site.StaffOnly, s.apiElection),
		site.Handle(http.MethodPatch, site.APIPrefix+"/elections/:id", site.StaffWrite, s.apiUpdateElection),
		site.Handle(http.MethodPost, site.APIPrefix+"/elections/:id/state", site.StaffWrite, s.apiSetElectionState),
		site.Handle(http.MethodPost, site.APIPrefix+"/elections/:id/duplicate", site.StaffWrite, s.apiDuplicateElection),
		site.Handle(http.MethodGet, site.APIPrefix+"/elections/:id/plan", site.StaffOnly, s.apiPlan),
		site.Handle(http.MethodPost, site.APIPrefix+"/elections/:id/plan/quota", site.StaffWrite, s.apiDistributeByQuota),
		site.Handle(http.MethodPut, site.APIPrefix+"/elections/:id/plan/cell", site.StaffWrite, s.apiSetCellCounts),
		site.Handle(http.MethodPost, site.APIPrefix+"/elections/:id/plan/move", site.StaffWrite, s.apiMoveVacantSlot),
		site.Handle(http.MethodGet, site.APIPrefix+"/elections/:id/overview", site.AnyUser, s.apiOverview),
		site.Handle(http.MethodGet, site.APIPrefix+"/elections/:id/slots", site.AnyUser, s.apiPartySlots),
		site.Handle(http.MethodPost, site.APIPrefix+"/elections/:id/nominations", site.Registrar, s.apiNominate),
		site.Handle(http.MethodGet, site.APIPrefix+"/elections/:id/signup-links", site.AnyUser, s.apiSignupLinks),
		site.Handle(http.MethodPost, site.APIPrefix+"/elections/:id/signup-links", site.Registrar, s.apiCreateSignupLink),
		site.Handle(http.MethodPost, site.APIPrefix+"/signup-links/:id/disable", site.Registrar, s.apiDisableSignupLink),
		site.Handle(http.MethodPost, site.APIPrefix+"/participants", site.Registrar, s.apiRegisterParticipant),
		site.Handle(http.MethodGet, site.APIPrefix+"/participants", site.AnyUser, s.apiParticipants),
		site.Handle(http.MethodPost, site.APIPrefix+"/participants/search", site.AnyUser, s.apiSearchParticipants),
		// Contact data: staff the person's own, a party secretary their party's.
		site.Handle(http.MethodGet, site.APIPrefix+"/participants/:id", site.Registrar, s.apiParticipantContact),
		site.Handle(http.MethodPatch, site.APIPrefix+"/participants/:id", site.Registrar, s.apiEditParticipant),
		site.Handle(http.MethodGet, site.APIPrefix+"/stations", site.StaffOnly, s.apiStations),
		site.Handle(http.MethodPost, site.APIPrefix+"/stations", site.StaffWrite, s.apiSaveStation),
		site.Handle(http.MethodPut, site.APIPrefix+"/stations/:id", site.StaffWrite, s.apiSaveStation),
		site.Handle(http.MethodGet, site.APIPrefix+"/task-types", site.StaffOnly, s.apiTaskTypes),
		site.Handle(http.MethodPost, site.APIPrefix+"/task-types", site.StaffWrite, s.apiSaveTaskType),
		site.Handle(http.MethodPut, site.APIPrefix+"/task-types/:id", site.StaffWrite, s.apiSaveTaskType),
		site.Handle(http.MethodGet, site.APIPrefix+"/election-types", site.StaffOnly, s.apiElectionTypes),
		site.Handle(http.MethodPut, site.APIPrefix+"/election-types/:kind", site.AdminOnly, s.apiSaveElectionType),
		site.Handle(http.MethodPost, site.APIPrefix+"/election-types/:kind/reset", site.AdminOnly, s.apiResetElectionType),
		site.Handle(http.MethodGet, site.APIPrefix+"/areas", site.StaffOnly, s.apiAreas),
		site.Handle(http.MethodPost, site.APIPrefix+"/areas", site.StaffWrite, s.apiSaveArea),
		site.Handle(http.MethodPut, site.APIPrefix+"/areas/:id", site.StaffWrite, s.apiSaveArea),
		site.Handle(http.MethodGet, site.APIPrefix+"/parties", site.AnyUser, s.apiParties),
		site.Handle(http.MethodPost, site.APIPrefix+"/parties", site.StaffWrite, s.apiSaveParty),
		site.Handle(http.MethodPut, site.APIPrefix+"/parties/:id", site.StaffWrite, s.apiSaveParty),
		// Off a party's list (api_removal.go).
		site.Handle(http.MethodDelete, site.APIPrefix+"/parties/:id/members/:participant", site.Registrar, s.apiRemoveMember),
		site.Handle(http.MethodGet, site.APIPrefix+"/valggrupper", site.StaffOnly, s.apiValggrupper),
		site.Handle(http.MethodPost, site.APIPrefix+"/valggrupper", site.StaffWrite, s.apiCreateValggruppe),
		site.Handle(http.MethodDelete, site.APIPrefix+"/valggrupper/:id", site.StaffWrite, s.apiDeleteValggruppe),
		site.Handle(http.MethodPost, site.APIPrefix+"/quota", site.AnyUser, s.apiQuota),
		site.Handle(http.MethodPost, site.APIPrefix+"/api-tokens", site.AdminOnly, s.apiCreateToken),
		site.Handle(http.MethodDelete, site.APIPrefix+"/api-tokens/:id", site.AdminOnly, s.apiRevokeToken),
	}
}
