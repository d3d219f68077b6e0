package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// The reusable catalogue: polling stations, task types and parties.

// apiStation is a polling station or, by kind, a work location: no district
// (null), and the task types done there.
type apiStation struct {
	ID       int64  `json:"id"`
	AreaName string `json:"area_name"`
	apiStationInput
}

// apiStationInput is a station as a client sends it; Version is the one a
// change is based on (ignored when creating). No kind is a polling station.
type apiStationInput struct {
	AreaID      int64              `json:"area_id"`
	Kind        models.StationKind `json:"kind"`
	Name        string             `json:"name"`
	Address     string             `json:"address"`
	PostalCode  string             `json:"postal_code"`
	City        string             `json:"city"`
	District    *int               `json:"district"`
	TaskTypeIDs []int64            `json:"task_type_ids"`
	Version     int                `json:"version"`
}

func toAPIStation(st models.PollingStation, areas map[int64]string) apiStation {
	out := apiStation{ID: st.ID, AreaName: areas[st.AreaID], apiStationInput: apiStationInput{AreaID: st.AreaID, Kind: st.Kind,
		Name: st.Name, Address: st.Address, PostalCode: st.PostalCode, City: st.City, TaskTypeIDs: st.TaskTypeIDs, Version: st.Version}}
	if out.Kind == "" {
		out.Kind = models.KindPollingStation
	}
	if out.TaskTypeIDs == nil {
		out.TaskTypeIDs = []int64{}
	}
	if st.District != 0 {
		out.District = &st.District
	}
	return out
}

// apiStations lists the polling stations in district order, then the work
// locations by name.
func (s *server) apiStations(c *gin.Context) {
	stations, err := s.Setup.Stations(c.Request.Context())
	if err != nil {
		s.apiFail(c, err)
		return
	}
	areas, err := s.Setup.AreaNames(c.Request.Context())
	if err != nil {
		s.apiFail(c, err)
		return
	}
	out := make([]apiStation, len(stations))
	for i, st := range stations {
		out[i] = toAPIStation(st, areas)
	}
	c.JSON(http.StatusOK, out)
}

// apiSaveStation creates a station (POST) or changes one (PUT, versioned:
// 409 when someone else changed it first).
func (s *server) apiSaveStation(c *gin.Context) {
	var in apiStationInput
	if !bindJSON(c, &in) {
		return
	}
	st := models.PollingStation{AreaID: in.AreaID, Kind: in.Kind, Name: in.Name, Address: in.Address, PostalCode: in.PostalCode,
		City: in.City, TaskTypeIDs: in.TaskTypeIDs, Version: in.Version}
	if in.District != nil {
		st.District = *in.District
		if st.District == 0 {
			st.District = -1 // 0 is no number: refused as out of range, not taken as none
		}
	}
	status, id, ok := saveTarget(c)
	if !ok {
		return
	}
	st.ID = id
	// The names first: a failed read then writes nothing.
	areas, err := s.Setup.AreaNames(c.Request.Context())
	if err != nil {
		s.apiFail(c, err)
		return
	}
	saved, err := s.Setup.SaveStation(c.Request.Context(), *site.User(c), st)
	if err != nil {
		s.apiStoreError(c, err)
		return
	}
	c.JSON(status, toAPIStation(saved, areas))
}

type apiTaskType struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	ShortName     string `json:"short_name"`
	Description   string `json:"description"`
	StartTime     string `json:"start_time"`
	EndTime       string `json:"end_time"`
	AllowanceKr   int    `json:"allowance_kr"`
	AppointedOnly bool   `json:"appointed_only"`
	Validation    bool   `json:"validation"`
	Reminders     bool   `json:"reminders"`
	Version       int    `json:"version"`
}

func toAPITaskType(t models.TaskType) apiTaskType {
	return apiTaskType{ID: t.ID, Name: t.Name, ShortName: t.ShortName, Description: t.Description, StartTime: t.StartTime,
		EndTime: t.EndTime, AllowanceKr: t.AllowanceKr, AppointedOnly: t.AppointedOnly, Validation: t.Validation,
		Reminders: t.Reminders, Version: t.Version}
}

// apiTaskTypes lists the task types in Danish order.
func (s *server) apiTaskTypes(c *gin.Context) {
	list, err := s.Setup.TaskTypes(c.Request.Context())
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, mapAll(list, toAPITaskType))
}

// apiSaveTaskType creates a task type (POST) or changes one (PUT,
// versioned).
func (s *server) apiSaveTaskType(c *gin.Context) {
	var in apiTaskType
	// Validation and reminders are on unless the client says otherwise, as
	// on the page's empty form.
	in.Validation, in.Reminders = true, true
	if !bindJSON(c, &in) {
		return
	}
	t := models.TaskType{Name: in.Name, ShortName: in.ShortName, Description: in.Description, StartTime: in.StartTime,
		EndTime: in.EndTime, AllowanceKr: in.AllowanceKr, AppointedOnly: in.AppointedOnly, Validation: in.Validation,
		Reminders: in.Reminders, Version: in.Version}
	status, id, ok := saveTarget(c)
	if !ok {
		return
	}
	t.ID = id
	saved, err := s.Setup.SaveTaskType(c.Request.Context(), *site.User(c), t)
	if err != nil {
		s.apiStoreError(c, err)
		return
	}
	c.JSON(status, toAPITaskType(saved))
}

type apiParty struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Letter       string `json:"letter"`
	Kind         string `json:"kind"`
	CouncilSeats int    `json:"council_seats"`
	ValggruppeID *int64 `json:"valggruppe_id"`
}

func toAPIParty(p models.Party) apiParty {
	return apiParty{ID: p.ID, Name: p.Name, Letter: p.Letter, Kind: string(p.Kind), CouncilSeats: p.CouncilSeats, ValggruppeID: p.ValggruppeID}
}

type apiValggruppe struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// apiParties lists the council groups (most seats first), the pools and the
// valggrupper.
func (s *server) apiParties(c *gin.Context) {
	groups, pools, valggrupper, err := s.Setup.Parties(c.Request.Context())
	if err != nil {
		s.apiFail(c, err)
		return
	}
	out := struct {
		CouncilGroups []apiParty      `json:"council_groups"`
		Pools         []apiParty      `json:"pools"`
		Valggrupper   []apiValggruppe `json:"valggrupper"`
	}{[]apiParty{}, []apiParty{}, []apiValggruppe{}}
	for _, p := range groups {
		out.CouncilGroups = append(out.CouncilGroups, toAPIParty(p))
	}
	for _, p := range pools {
		out.Pools = append(out.Pools, toAPIParty(p))
	}
	for _, v := range valggrupper {
		out.Valggrupper = append(out.Valggrupper, apiValggruppe{v.ID, v.Name})
	}
	c.JSON(http.StatusOK, out)
}

// apiAreas lists the areas (which group the polling stations) in Danish
// order.
func (s *server) apiAreas(c *gin.Context) {
	areas, err := s.Setup.Areas(c.Request.Context())
	if err != nil {
		s.apiFail(c, err)
		return
	}
	out := make([]apiNamed, len(areas))
	for i, a := range areas {
		out[i] = apiNamed{a.ID, a.Name}
	}
	c.JSON(http.StatusOK, out)
}

// apiSaveArea creates an area (POST) or renames one (PUT).
func (s *server) apiSaveArea(c *gin.Context) {
	var in struct {
		Name string `json:"name"`
	}
	if !bindJSON(c, &in) {
		return
	}
	a := models.Area{Name: in.Name}
	status, id, ok := saveTarget(c)
	if !ok {
		return
	}
	a.ID = id
	saved, err := s.Setup.SaveArea(c.Request.Context(), *site.User(c), a)
	if err != nil {
		s.apiStoreError(c, err)
		return
	}
	c.JSON(status, apiNamed{saved.ID, saved.Name})
}

// apiPartyInput is a party as a client sends it; a party's kind is fixed
// when it is created (the store ignores it on a change).
type apiPartyInput struct {
	Name         string `json:"name"`
	Letter       string `json:"letter"`
	Kind         string `json:"kind"`
	CouncilSeats int    `json:"council_seats"`
	ValggruppeID *int64 `json:"valggruppe_id"`
}

// apiSaveParty creates a council group or pool (POST) or changes one (PUT).
func (s *server) apiSaveParty(c *gin.Context) {
	var in apiPartyInput
	if !bindJSON(c, &in) {
		return
	}
	p := models.Party{Name: in.Name, Letter: in.Letter, Kind: models.PartyKind(in.Kind), CouncilSeats: in.CouncilSeats,
		ValggruppeID: in.ValggruppeID}
	status, id, ok := saveTarget(c)
	if !ok {
		return
	}
	p.ID = id
	saved, err := s.Setup.SaveParty(c.Request.Context(), *site.User(c), p)
	if err != nil {
		s.apiStoreError(c, err)
		return
	}
	c.JSON(status, toAPIParty(saved))
}

// apiValggrupper lists the valggrupper in Danish order.
func (s *server) apiValggrupper(c *gin.Context) {
	_, _, valggrupper, err := s.Setup.Parties(c.Request.Context())
	if err != nil {
		s.apiFail(c, err)
		return
	}
	out := make([]apiValggruppe, len(valggrupper))
	for i, v := range valggrupper {
		out[i] = apiValggruppe{v.ID, v.Name}
	}
	c.JSON(http.StatusOK, out)
}

// apiCreateValggruppe adds a valggruppe; council groups join it with PUT
// /parties/{id}.
func (s *server) apiCreateValggruppe(c *gin.Context) {
	var in struct {
		Name string `json:"name"`
	}
	if !bindJSON(c, &in) {
		return
	}
	v, err := s.Setup.CreateValggruppe(c.Request.Context(), *site.User(c), in.Name)
	if err != nil {
		s.apiStoreError(c, err)
		return
	}
	c.JSON(http.StatusCreated, apiValggruppe{v.ID, v.Name})
}

// apiDeleteValggruppe removes a valggruppe; its members stand alone again.
func (s *server) apiDeleteValggruppe(c *gin.Context) {
	id := apiID(c, "id")
	if id == 0 {
		apiError(c, http.StatusNotFound, site.T(c)("api.notfound"))
		return
	}
	if err := s.Setup.DeleteValggruppe(c.Request.Context(), *site.User(c), id); err != nil {
		s.apiStoreError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// saveTarget tells a save endpoint what it does: POST creates (201, id 0),
// PUT changes the resource in the path (200); an id that is no number is
// answered 404 here.
func saveTarget(c *gin.Context) (status int, id int64, ok bool) {
	if c.Request.Method != http.MethodPut {
		return http.StatusCreated, 0, true
	}
	if id = apiID(c, "id"); id == 0 {
		apiError(c, http.StatusNotFound, site.T(c)("api.notfound"))
		return 0, 0, false
	}
	return http.StatusOK, id, true
}
