package store_test

import (
	"html"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// Every shipped default, on every channel its kind goes by, passes the same
// check an administrator's text must pass, and renders with realistic
// fictitious values. An SMS fits in three segments.
func TestEveryDefaultTemplateChecksAndRenders(t *testing.T) {
	values := models.ExampleValues("Fredericia Kommune", "Kommunal- og regionsrådsvalg 2029", "https://valghalla.fredericia.dk")
	// A long but real name too: the SMS must still fit.
	long := maps(values, "participant:name", "Anne-Sofie Bøgelund-Kristiansen")
	n := 0
	for _, kind := range models.MessageKinds {
		channels := store.TemplateChannels(kind)
		if len(channels) == 0 {
			t.Errorf("%s goes by no channel", kind)
		}
		for _, channel := range channels {
			n++
			t.Run(kind+"/"+channel, func(t *testing.T) {
				d := models.MessageDefaults[kind][channel]
				st, bt, err := store.CheckTemplate(kind, channel, d.Subject, d.Body)
				if err != nil {
					t.Fatalf("CheckTemplate: %v", err)
				}
				for _, f := range models.RequiredFields(kind, channel) {
					if !slices.Contains(bt.Fields(), f) {
						t.Errorf("lacks the required [%s]", f)
					}
				}
				for _, f := range bt.Fields() {
					if models.IsSensitiveField(f) {
						t.Errorf("uses the sensitive [%s]", f)
					}
				}
				text, err := bt.Render(values, models.PlainText)
				if err != nil {
					t.Fatalf("render: %v", err)
				}
				if strings.Contains(text, "[") || strings.Contains(text, "]") {
					t.Errorf("a bracket is left in %q", text)
				}
				if channel == "sms" {
					if d.Subject != "" || st != nil {
						t.Errorf("an SMS with a subject %q", d.Subject)
					}
					for _, v := range []map[string]string{values, long} {
						text, _ := bt.Render(v, models.PlainText)
						if n := models.SMSSegments(text); n.Segments > 3 || n.UCS2 {
							t.Errorf("%d segments (UCS-2 %v, %d units): %q", n.Segments, n.UCS2, n.Units, text)
						}
					}
					if kind == models.KindInvitation && !strings.Contains(d.Body, "Svar JA [answer:code] eller NEJ [answer:code]") {
						t.Errorf("the invitation SMS does not say how to answer: %q", d.Body)
					}
					return
				}
				subject, err := st.Render(values, models.PlainText)
				if err != nil || strings.TrimSpace(subject) == "" {
					t.Fatalf("subject %q: %v", subject, err)
				}
				if _, err := bt.HTML().Render(values, html.EscapeString); err != nil {
					t.Fatalf("HTML: %v", err)
				}
			})
		}
	}
	// 10 lifecycle kinds (with the morning reminder) and the group message
	// on three channels, the replacement notice, the account invitation and
	// the password reset by e-mail only; the day's offer and "it is taken"
	// by SMS only, its messages to the leader (and the secretariat) by SMS
	// and e-mail.
	if n != 11*3+3+2+2*2 {
		t.Errorf("%d defaults, want 42", n)
	}
	for _, kind := range []string{models.KindReplacementNotice, models.KindAccountInvitation, models.KindPasswordReset} {
		if got := store.TemplateChannels(kind); !slices.Equal(got, []string{"email"}) {
			t.Errorf("%s goes by %v, want e-mail only", kind, got)
		}
	}
}

// The replacement notice names the slot, never the person: it goes to the
// party's secretary by e-mail, and no e-mail may tie a person to a party.
func TestTheReplacementNoticeNamesNoPerson(t *testing.T) {
	for _, f := range models.ReplacementNoticeFields {
		if strings.HasPrefix(f, "participant:") || models.IsSensitiveField(f) {
			t.Errorf("the replacement notice offers [%s]", f)
		}
	}
	_, _, err := store.CheckTemplate(models.KindReplacementNotice, "email", "Ledig plads", "[participant:name] har meldt fra. [overview:link]")
	if err == nil || !strings.Contains(danishErr(err), "ukendt flettefelt [participant:name]") {
		t.Errorf("a person's name in the replacement notice: %v", err)
	}
}

// The invitation cannot be sent without its answer link on any channel, nor
// by SMS without the short code a reply names.
func TestRequiredFieldsArePerChannel(t *testing.T) {
	for _, c := range []struct {
		kind, channel, body, want string
	}{
		{models.KindInvitation, "email", "Kære [participant:name]", "[answer:link]"},
		{models.KindInvitation, "digitalpost", "Kære [participant:name]", "[answer:link]"},
		{models.KindInvitationReminder, "sms", "Svar JA [answer:code]", "[answer:link]"},
		{models.KindInvitation, "sms", "Svar her: [answer:link]", "[answer:code]"},
		{models.KindInvitationReminder, "sms", "Svar her: [answer:link]", "[answer:code]"},
	} {
		_, _, err := store.CheckTemplate(c.kind, c.channel, "Emne", c.body)
		if err == nil || !strings.Contains(danishErr(err), "Teksten skal indeholde flettefeltet "+c.want+".") {
			t.Errorf("%s/%s %q: %v", c.kind, c.channel, c.body, err)
		}
	}
	// The code is not required where no reply by SMS comes.
	if _, _, err := store.CheckTemplate(models.KindInvitation, "email", "Emne", "Svar her: [answer:link]"); err != nil {
		t.Errorf("e-mail without the code: %v", err)
	}
	if _, _, err := store.CheckTemplate(models.KindConfirmation, "sms", "", "Tak, [participant:name]."); err != nil {
		t.Errorf("a confirmation SMS without a link: %v", err)
	}
}

func maps(m map[string]string, key, value string) map[string]string {
	out := map[string]string{key: value}
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// TemplateSources marks each kind and channel in a scope: its own text,
// one inherited from a wider scope, or (absent) the default.
func TestTemplateSourcesPerScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p := seedPeople(t, db)
		var election models.Election
		var tasks []models.TaskType
		db.First(&election)
		db.Order("id").Find(&tasks)
		for _, tpl := range []models.MessageTemplate{
			{Kind: models.KindInvitation, Channel: "sms", Body: "JA [answer:code] [answer:link]"},
			{Kind: models.KindConfirmation, Channel: "email", ElectionID: &election.ID, Subject: "Tak", Body: "Tak"},
			{Kind: models.KindConfirmation, Channel: "sms", ElectionID: &election.ID, TaskTypeID: &tasks[0].ID, Body: "Tak"},
		} {
			if err := store.SaveTemplate(ctx, db, p.admin, tpl); err != nil {
				t.Fatal(err)
			}
		}
		const inv, confMail, confSMS = "invitation/sms", "confirmation/email", "confirmation/sms"
		for _, c := range []struct {
			name                 string
			electionID, taskType *int64
			want                 map[string]models.TemplateSource
		}{
			{"municipality", nil, nil, map[string]models.TemplateSource{inv: models.SourceHere}},
			{"election", &election.ID, nil, map[string]models.TemplateSource{inv: models.SourceInherited, confMail: models.SourceHere}},
			{"its task type", &election.ID, &tasks[0].ID, map[string]models.TemplateSource{inv: models.SourceInherited,
				confMail: models.SourceInherited, confSMS: models.SourceHere}},
			{"another task type", &election.ID, &tasks[1].ID, map[string]models.TemplateSource{inv: models.SourceInherited,
				confMail: models.SourceInherited}},
		} {
			got, err := store.TemplateSources(ctx, db, c.electionID, c.taskType)
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s: %v %v, want %v", c.name, got, err, c.want)
			}
		}
		if _, err := store.TemplateSources(ctx, db, nil, &tasks[0].ID); err == nil {
			t.Error("a task type without its election is a scope")
		}
	})
}
