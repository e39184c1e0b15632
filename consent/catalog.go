package consent

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// The languages of the default texts, English first: it is the fallback.
const (
	langEnglish = iota
	langSwedish
	langGerman
	langFrench
	langSpanish
)

var (
	supported = []language.Tag{
		langEnglish: language.English,
		langSwedish: language.Swedish,
		langGerman:  language.German,
		langFrench:  language.French,
		langSpanish: language.Spanish,
	}
	defaults = []map[Key]string{
		langEnglish: english,
		langSwedish: swedish,
		langGerman:  german,
		langFrench:  french,
		langSpanish: spanish,
	}
	matcher = language.NewMatcher(supported)
)

// Languages returns the languages of the default texts: English, Swedish,
// German, French and Spanish, English first.
func Languages() []language.Tag { return slices.Clone(supported) }

// Match chooses the language of a visitor's chat among [Languages]:
//
//  1. the visitor's browser languages, visitorLangs, when one of them is
//     supported: an Accept-Language header ("sv-SE,sv;q=0.9,en;q=0.8")
//     or navigator.languages joined with commas, matched in the
//     visitor's order of preference with golang.org/x/text/language, so
//     "de-AT" gives German and "pt-BR,es;q=0.5" Spanish;
//  2. else the chatflow's language, chatflowLang (a BCP 47 tag), when it
//     is supported, so a Swedish chat shows Swedish to a visitor whose
//     browser asks only for Finnish;
//  3. else English.
//
// The visitor comes first because the chat speaks to the visitor, and the
// team's own texts (which are not translated) are written in the
// chatflow's language anyway. Malformed or empty inputs are skipped.
func Match(chatflowLang, visitorLangs string) language.Tag {
	if tags, _, err := language.ParseAcceptLanguage(visitorLangs); err == nil && len(tags) > 0 {
		if i, ok := find(tags...); ok {
			return supported[i]
		}
	}
	if tag, err := language.Parse(chatflowLang); err == nil {
		if i, ok := find(tag); ok {
			return supported[i]
		}
	}
	return supported[langEnglish]
}

// find returns the index in supported of the best match of prefs, which
// are in order of preference.
func find(prefs ...language.Tag) (int, bool) {
	_, i, conf := matcher.Match(prefs...)
	return i, conf != language.No
}

// index returns the index in supported of the language used for lang:
// its match, else English.
func index(lang language.Tag) int {
	for i, t := range supported {
		if t == lang {
			return i
		}
	}
	if i, ok := find(lang); ok {
		return i
	}
	return langEnglish
}

// Default returns the default text of key in the language matching lang
// (English when none does), placeholders unfilled: the text a host's
// override replaces, and what removing the override brings back. It is ""
// for an unknown key.
func Default(lang language.Tag, key Key) string {
	return defaults[index(lang)][key]
}

// Catalog is the visitor-facing texts of the chat: the defaults of every
// [Key] in each of [Languages], with the host's overrides on top.
//
// The zero value, and a nil *Catalog, hold no override. A Catalog is safe
// for concurrent use as long as nobody changes Overrides meanwhile; to
// change them on a running server, build a new Catalog and swap it in.
type Catalog struct {
	// Overrides replace default texts: Overrides["sv"][KeyWaitMessage]
	// is the Swedish wait message. The language is one of "en", "sv",
	// "de", "fr" and "es", exactly; an empty text is no override. See
	// Catalog.Validate for the limits.
	Overrides map[string]map[Key]string `json:"overrides"`
}

// Text returns the text of key in the language matching lang (see Match
// to choose it), the host's override if any, else the default; "" for an
// unknown key.
//
// args are placeholder names and values in pairs: Text(tag,
// KeyQueuePosition, "n", "3") gives "You are number 3 in the queue.".
// Values are inserted as they are, in one pass, so a value is never read
// as a placeholder; placeholders without a value, and an unpaired last
// argument, are left as they are, for the widget to fill.
func (c *Catalog) Text(lang language.Tag, key Key, args ...string) string {
	return fill(c.text(index(lang), key), args)
}

func (c *Catalog) text(i int, key Key) string {
	if c != nil {
		if s := c.Overrides[supported[i].String()][key]; s != "" {
			return s
		}
	}
	return defaults[i][key]
}

func fill(s string, args []string) string {
	if len(args) < 2 || !strings.Contains(s, "{") {
		return s
	}
	pairs := make([]string, 0, len(args)&^1)
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{"+args[i]+"}", args[i+1])
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// All returns every text in the language matching lang, overrides
// applied and placeholders unfilled, for the widget: one entry per Key.
func (c *Catalog) All(lang language.Tag) map[Key]string {
	i := index(lang)
	all := make(map[Key]string, len(keys))
	for _, k := range keys {
		all[k] = c.text(i, k)
	}
	return all
}

// Set overrides the text of key in lang, one of "en", "sv", "de", "fr"
// and "es"; an empty text removes the override, as Reset does. It
// reports an unknown language or key, or a text over MaxTextLen, and then
// changes nothing.
func (c *Catalog) Set(lang string, key Key, text string) error {
	var errs Errors
	checkOverride(&errs, lang, key, text)
	if err := errs.Err(); err != nil {
		return err
	}
	if text == "" {
		c.Reset(lang, key)
		return nil
	}
	if c.Overrides == nil {
		c.Overrides = make(map[string]map[Key]string)
	}
	if c.Overrides[lang] == nil {
		c.Overrides[lang] = make(map[Key]string)
	}
	c.Overrides[lang][key] = text
	return nil
}

// Reset removes the host's override of key in lang, bringing back the
// default text; "Reset to default" in an editor. Nothing happens when
// there is none.
func (c *Catalog) Reset(lang string, key Key) {
	if c == nil {
		return
	}
	delete(c.Overrides[lang], key)
	if len(c.Overrides[lang]) == 0 {
		delete(c.Overrides, lang)
	}
}

// Validate reports every problem of the overrides at once as [Errors],
// with paths such as "overrides.sv.waitMessage", or nil when there is
// none: a language other than "en", "sv", "de", "fr" and "es", an unknown
// key, a text that is not valid UTF-8 or longer than MaxTextLen
// characters. A text may drop or add placeholders; unknown ones are shown
// as written.
func (c *Catalog) Validate() error {
	if c == nil {
		return nil
	}
	var errs Errors
	for _, lang := range slices.Sorted(maps.Keys(c.Overrides)) {
		texts := c.Overrides[lang]
		if !supportedCode(lang) {
			errs.Add("overrides."+lang, "must be one of "+strings.Join(codes(), ", "))
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(texts)) {
			checkOverride(&errs, lang, k, texts[k])
		}
	}
	return errs.Err()
}

func checkOverride(errs *Errors, lang string, key Key, text string) {
	switch {
	case !supportedCode(lang):
		errs.Add("overrides."+lang, "must be one of "+strings.Join(codes(), ", "))
	case !key.Known():
		errs.Add("overrides."+lang+"."+string(key), "unknown key")
	default:
		checkText(errs, "overrides."+lang+"."+string(key), text, MaxTextLen)
	}
}

func supportedCode(lang string) bool { return slices.Contains(codes(), lang) }

func codes() []string {
	out := make([]string, len(supported))
	for i, t := range supported {
		out[i] = t.String()
	}
	return out
}

// CommunicationLabel returns the default label of the consent to
// communicate checkbox in the language matching lang: it names company,
// else account, else domain (without a leading "www."), the first that is
// not blank; with none of them, KeyCommunicationLabelUnnamed.
func CommunicationLabel(company, account, domain string, lang language.Tag) string {
	return (*Catalog)(nil).CommunicationLabel(company, account, domain, lang)
}

// CommunicationLabel is the package's CommunicationLabel with c's
// overrides of KeyCommunicationLabel and KeyCommunicationLabelUnnamed.
func (c *Catalog) CommunicationLabel(company, account, domain string, lang language.Tag) string {
	domain = strings.TrimSpace(domain)
	if len(domain) > 4 && strings.EqualFold(domain[:4], "www.") {
		domain = domain[4:]
	}
	for _, name := range []string{company, account, domain} {
		if name = strings.TrimSpace(name); name != "" {
			return c.Text(lang, KeyCommunicationLabel, "name", name)
		}
	}
	return c.Text(lang, KeyCommunicationLabelUnnamed)
}

// checkText checks that s is valid UTF-8 of at most max characters.
func checkText(errs *Errors, path, s string, max int) {
	switch {
	case !utf8.ValidString(s):
		errs.Add(path, "must be valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		errs.Add(path, fmt.Sprintf("must be at most %d characters", max))
	}
}
