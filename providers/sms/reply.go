package sms

import (
	"strings"
	"unicode"
)

// Answer is what an SMS reply says.
type Answer int

const (
	Unknown Answer = iota // nothing this package understands: answer with help
	Yes                   // JA, J, YES, Y
	No                    // NEJ, N, NO
	OptOut                // STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT alone
	OptIn                 // START, UNSTOP alone
	Help                  // HELP, INFO alone
)

func (a Answer) String() string {
	switch a {
	case Yes:
		return "yes"
	case No:
		return "no"
	case OptOut:
		return "opt-out"
	case OptIn:
		return "opt-in"
	case Help:
		return "help"
	default:
		return "unknown"
	}
}

// Reply is a parsed SMS reply.
type Reply struct {
	Answer Answer
	// Code is the short code the reply names (upper case, [A-Z0-9] only),
	// "" if none: it picks the invitation when the sender has more than one
	// open (SMS has no thread).
	Code string
	// TwilioOptIn: the message is one of Twilio's default opt-in keywords
	// alone (START, UNSTOP or YES), so Twilio has lifted any opt-out of this
	// number, whatever Answer says ("YES" is also Answer Yes). Mirror it:
	// the number may be sent to again.
	TwilioOptIn bool
}

var (
	answerWords = map[string]Answer{
		"JA": Yes, "J": Yes, "YES": Yes, "Y": Yes,
		"NEJ": No, "N": No, "NO": No,
	}
	// Twilio acts on these only when they are the whole message ("Only
	// single-word messages will trigger the block"): so does ParseReply,
	// so that our opt-out state never disagrees with Twilio's block list.
	keywords = map[string]Answer{
		"STOP": OptOut, "STOPALL": OptOut, "UNSUBSCRIBE": OptOut, "CANCEL": OptOut,
		"END": OptOut, "QUIT": OptOut, "REVOKE": OptOut, "OPTOUT": OptOut,
		"START": OptIn, "UNSTOP": OptIn,
		"HELP": Help, "INFO": Help,
	}
	twilioOptIn = map[string]bool{"START": true, "UNSTOP": true, "YES": true}
)

// Code length limits: a code is short; a longer digit run is not one (a
// phone number, a CPR number pasted by mistake).
const (
	minCodeLen = 2
	maxCodeLen = 8
)

// ParseReply reads an SMS reply. The rules:
//
//   - Case, white space and punctuation do not matter: the body is split
//     into words at anything that is not a letter or a digit ("ja!",
//     " Ja. ", "JA,4821" and "ja\n4821" all parse).
//   - A word with a digit in it, 2–8 ASCII letters and digits long, is a
//     short code ("4821", "A7K2"); the first one is Code. A letters-only word
//     is never a code (so "nej tak" has none). An answer word glued to
//     digits is split: "JA4821" is JA and 4821. So the codes the app hands
//     out are best digits only: "N482" reads as N (No) with code 482.
//   - The first word that is not a code decides the answer: "nej tak",
//     "Ja tak, 4821", "4821 ja" and "ja nej" are No, Yes, Yes and Yes;
//     "jeg vil gerne" is Unknown. So a reply must start with its answer.
//   - STOP and the other opt-out words, START/UNSTOP (opt-in) and
//     HELP/INFO count only when they are the only word, codes aside: Twilio
//     blocks a number on "STOP" but not on "STOP PLEASE", and our mirror of
//     its block list must agree. "stop venligst" is Unknown (and the help
//     answer should say to send STOP alone).
//   - YES is an answer here, but Twilio also treats YES alone as opt-in:
//     TwilioOptIn says so.
func ParseReply(body string) Reply {
	var words, codes []string
	for _, tok := range tokenize(body) {
		if w, code, ok := splitGlued(tok); ok {
			words = append(words, w)
			codes = append(codes, code)
			continue
		}
		if isCode(tok) {
			codes = append(codes, tok)
			continue
		}
		words = append(words, tok)
	}
	var r Reply
	if len(codes) > 0 {
		r.Code = codes[0]
	}
	if len(words) == 0 {
		return r
	}
	if len(words) == 1 && len(codes) == 0 {
		r.TwilioOptIn = twilioOptIn[words[0]]
	}
	if a, ok := keywords[words[0]]; ok {
		if len(words) == 1 {
			r.Answer = a
		}
		return r
	}
	r.Answer = answerWords[words[0]]
	return r
}

// tokenize splits body into runs of letters and digits, upper-cased. It
// splits first: upper-casing some marks makes letters of them (U+0345
// becomes Greek Iota), which must not glue noise to a word.
func tokenize(body string) []string {
	toks := strings.FieldsFunc(body, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for i, t := range toks {
		toks[i] = strings.ToUpper(t)
	}
	return toks
}

func isCode(tok string) bool {
	if len(tok) < minCodeLen || len(tok) > maxCodeLen {
		return false
	}
	digit := false
	for i := 0; i < len(tok); i++ {
		switch c := tok[i]; {
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'A' && c <= 'Z':
		default:
			return false
		}
	}
	return digit
}

// splitGlued splits an answer word glued to a code of digits ("JA4821",
// "4821NEJ").
func splitGlued(tok string) (word, code string, ok bool) {
	i := strings.IndexFunc(tok, func(r rune) bool { return r < '0' || r > '9' })
	if i > 0 { // digits first
		word, code = tok[i:], tok[:i]
	} else {
		j := strings.IndexFunc(tok, func(r rune) bool { return r >= '0' && r <= '9' })
		if j <= 0 {
			return "", "", false
		}
		word, code = tok[:j], tok[j:]
	}
	if _, known := answerWords[word]; !known {
		return "", "", false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return "", "", false
		}
	}
	return word, code, isCode(code)
}
