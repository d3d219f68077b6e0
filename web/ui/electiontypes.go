package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/web/site"
)

// electionTypeRow is one election type on /valgtyper with its edit form:
// the numbers as typed, so a refused "2x" is shown again as typed.
type electionTypeRow struct {
	T                      models.ElectionType
	MinAge, ResidenceYears string
	Errors                 map[string]string // translated, per field
	ErrorKey               string
}

func rowOf(t models.ElectionType) electionTypeRow {
	return electionTypeRow{T: t, MinAge: strconv.Itoa(t.MinAge), ResidenceYears: strconv.Itoa(t.ResidenceYears)}
}

// electionTypes shows the four election types with their eligibility
// rules: staff read them, administrators edit them.
func (s *server) electionTypes(c *gin.Context) {
	s.renderElectionTypes(c, http.StatusOK, nil)
}

// renderElectionTypes renders the page; changed, if given, replaces the
// stored row of its kind (a refused form, shown as typed with its messages).
func (s *server) renderElectionTypes(c *gin.Context, status int, changed *electionTypeRow) {
	types, err := s.Setup.ElectionTypes(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	rows := make([]electionTypeRow, len(types))
	for i, t := range types {
		rows[i] = rowOf(t)
		if changed != nil && changed.T.Kind == t.Kind {
			rows[i] = *changed
		}
	}
	s.render(c, status, "electiontypes.html", "etypes.title", map[string]any{
		"Rows": rows, "Citizenships": models.Citizenships, "MayEdit": site.AdminOnly.Allows(site.User(c)),
		"Notice": noticeOf(c, "etypes.saved", "etypes.wasreset")})
}

// saveElectionType changes one type's rules, refusing an edit based on an
// older version.
func (s *server) saveElectionType(c *gin.Context) {
	version, _ := strconv.Atoi(c.PostForm("version"))
	row := electionTypeRow{MinAge: strings.TrimSpace(c.PostForm("min_age")), ResidenceYears: strings.TrimSpace(c.PostForm("residence_years"))}
	row.T = models.ElectionType{Kind: models.ElectionKind(c.Param("kind")), Name: c.PostForm("name"), Version: version,
		EligibilityRules: models.EligibilityRules{Citizenship: models.Citizenship(c.PostForm("citizenship")),
			GuardianshipExcludes: c.PostForm("guardianship_excludes") == "on", MustLiveInMunicipality: c.PostForm("must_live_in_municipality") == "on"}}
	var err error
	if row.T.MinAge, err = strconv.Atoi(row.MinAge); err != nil {
		row.T.MinAge = -1 // refused by the store's range check, with its message
	}
	if row.T.ResidenceYears, err = strconv.Atoi(row.ResidenceYears); err != nil {
		row.T.ResidenceYears = -1
	}
	_, err = s.Setup.SaveElectionType(c.Request.Context(), *site.User(c), row.T)
	s.afterElectionTypeWrite(c, row, err, "etypes.saved")
}

// resetElectionType puts the law's rules back for one type.
func (s *server) resetElectionType(c *gin.Context) {
	version, _ := strconv.Atoi(c.PostForm("version"))
	kind := models.ElectionKind(c.Param("kind"))
	_, err := s.Setup.ResetElectionType(c.Request.Context(), *site.User(c), kind, version)
	s.afterElectionTypeWrite(c, electionTypeRow{T: models.ElectionType{Kind: kind}}, err, "etypes.wasreset")
}

func (s *server) afterElectionTypeWrite(c *gin.Context, row electionTypeRow, err error, notice string) {
	var fe models.FieldErrors
	switch {
	case errors.As(err, &fe):
		row.Errors = site.FieldTexts(c, fe)
		s.renderElectionTypes(c, http.StatusUnprocessableEntity, &row)
	case errors.Is(err, models.ErrStale):
		current, _ := s.Setup.ElectionType(c.Request.Context(), row.T.Kind)
		stale := rowOf(current)
		stale.ErrorKey = "etypes.stale"
		s.renderElectionTypes(c, http.StatusConflict, &stale)
	case errors.Is(err, models.ErrNotFound):
		s.notFound(c)
	case errors.Is(err, models.ErrForbidden):
		c.AbortWithStatus(http.StatusForbidden) // the route is adminOnly: not reached
	case err != nil:
		s.fail(c, err)
	default:
		c.Redirect(http.StatusSeeOther, "/valgtyper?besked="+notice+"#"+string(row.T.Kind))
	}
}
