package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// Election types: the eligibility rules of each kind of election, read by
// staff, changed by administrators (as on /valgtyper).

type apiElectionType struct {
	Kind                   string `json:"kind"`
	Name                   string `json:"name"`
	MinAge                 int    `json:"min_age"`
	Citizenship            string `json:"citizenship"`
	ResidenceYears         int    `json:"residence_years"`
	GuardianshipExcludes   bool   `json:"guardianship_excludes"`
	MustLiveInMunicipality bool   `json:"must_live_in_municipality"`
	Version                int    `json:"version"`
}

func toAPIElectionType(t models.ElectionType) apiElectionType {
	return apiElectionType{Kind: string(t.Kind), Name: t.Name, MinAge: t.MinAge, Citizenship: string(t.Citizenship),
		ResidenceYears: t.ResidenceYears, GuardianshipExcludes: t.GuardianshipExcludes,
		MustLiveInMunicipality: t.MustLiveInMunicipality, Version: t.Version}
}

func (s *server) apiElectionTypes(c *gin.Context) {
	types, err := s.Setup.ElectionTypes(c.Request.Context())
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, mapAll(types, toAPIElectionType))
}

// apiSaveElectionType changes a type's name and rules; 409 when it changed
// since the version sent.
func (s *server) apiSaveElectionType(c *gin.Context) {
	// The kind is the path's.
	var in struct {
		Name                   string `json:"name"`
		MinAge                 int    `json:"min_age"`
		Citizenship            string `json:"citizenship"`
		ResidenceYears         int    `json:"residence_years"`
		GuardianshipExcludes   bool   `json:"guardianship_excludes"`
		MustLiveInMunicipality bool   `json:"must_live_in_municipality"`
		Version                int    `json:"version"`
	}
	if !bindJSON(c, &in) {
		return
	}
	t := models.ElectionType{Kind: models.ElectionKind(c.Param("kind")), Name: in.Name, Version: in.Version,
		EligibilityRules: models.EligibilityRules{MinAge: in.MinAge, Citizenship: models.Citizenship(in.Citizenship),
			ResidenceYears: in.ResidenceYears, GuardianshipExcludes: in.GuardianshipExcludes, MustLiveInMunicipality: in.MustLiveInMunicipality}}
	_, err := s.Setup.SaveElectionType(c.Request.Context(), *site.User(c), t)
	s.apiElectionTypeWritten(c, t.Kind, err)
}

// apiResetElectionType puts the law's rules back for a type.
func (s *server) apiResetElectionType(c *gin.Context) {
	var in struct {
		Version int `json:"version"`
	}
	if !bindJSON(c, &in) {
		return
	}
	kind := models.ElectionKind(c.Param("kind"))
	_, err := s.Setup.ResetElectionType(c.Request.Context(), *site.User(c), kind, in.Version)
	s.apiElectionTypeWritten(c, kind, err)
}

// apiElectionTypeWritten answers with the type as stored.
func (s *server) apiElectionTypeWritten(c *gin.Context, kind models.ElectionKind, err error) {
	if err != nil {
		s.apiStoreError(c, err)
		return
	}
	t, err := s.Setup.ElectionType(c.Request.Context(), kind)
	if err != nil {
		s.apiStoreError(c, err)
		return
	}
	c.JSON(http.StatusOK, toAPIElectionType(t))
}
