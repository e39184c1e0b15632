package targeting

import (
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MaxURLLength is the longest page URL a [View] accepts; a longer one is
// treated as malformed, which bounds the work of every rule.
const MaxURLLength = 8192

// Contact is what the server knows about an identified visitor. Callers
// build it from their own records: data sent by the browser is never a
// Contact.
type Contact struct {
	// Properties are the contact's properties by name. A property with an
	// empty value counts as unknown.
	Properties map[string]string
}

// View is one page view, prepared once per request by [NewView] and then
// matched against any number of [Matcher]s. A View is immutable, so it may
// be shared by goroutines. The zero View is a malformed URL viewed by an
// unknown visitor on an unknown device.
type View struct {
	valid bool
	// url and path are the normalised forms, without a trailing slash
	// (except the root "/"); urlSlash and pathSlash add the trailing slash
	// and are empty when that changes nothing (the root path). A rule
	// matches a page when it matches either form, which is what ignoring a
	// trailing slash means for prefixes, suffixes and patterns.
	url, urlSlash   string
	path, pathSlash string
	query           map[string][]string // decoded names and values, in order
	device          string              // "desktop", "tablet", "mobile" or ""
	known           bool
	props           map[string]property
}

// property is a contact property with its value parsed once for
// greater_than and less_than.
type property struct {
	s      string
	num    float64
	isNum  bool
	t      time.Time
	isDate bool
}

// NewView prepares the page view of rawURL, as the widget reports it, on
// device ("desktop", "tablet" or "mobile", case-insensitive; anything else
// is an unknown device), by contact (nil for an unknown visitor).
//
// The URL is normalised the way a user reads it:
//   - the scheme and host are lowercased, and the default port is dropped
//     (:80 for http, :443 for https); user information is dropped;
//   - the fragment is ignored;
//   - the path is percent-decoded (/caf%C3%A9 is /café) and stays
//     case-sensitive; an empty path is "/";
//   - a trailing slash is ignored: /pricing/ is /pricing, and / stays /;
//   - the query is kept as sent, in its order; its parameters are decoded
//     for query rules.
//
// The full URL a url rule sees is scheme://host/path?query with those
// rules. A URL that does not parse, is not absolute (scheme and host),
// has an empty host or is longer than [MaxURLLength] is malformed: it
// matches no url, path or query rule, not even is_not or not_contains,
// so a chat targeted by URL never shows on a page it cannot read.
// NewView never panics.
func NewView(rawURL, device string, contact *Contact) *View {
	v := &View{device: normaliseDevice(device)}
	if contact != nil {
		v.known = true
		if len(contact.Properties) > 0 {
			v.props = make(map[string]property, len(contact.Properties))
			for k, s := range contact.Properties {
				v.props[k] = parseProperty(s)
			}
		}
	}
	u, ok := parseURL(strings.TrimSpace(rawURL), false)
	if !ok {
		return v
	}
	v.valid = true
	base := len(u.origin)
	q := ""
	if u.rawQuery != "" {
		q = "?" + u.rawQuery
	}
	v.url = u.origin + u.path + q
	v.path = v.url[base : base+len(u.path)]
	if u.path != "/" {
		v.urlSlash = u.origin + u.path + "/" + q
		v.pathSlash = v.urlSlash[base : base+len(u.path)+1]
	}
	if u.rawQuery != "" {
		v.query = parseQuery(u.rawQuery)
	}
	return v
}

// URL returns the normalised URL that url rules compare against, or ""
// for a malformed URL. It is a comparison key, not a URL to fetch: its
// path is decoded.
func (v *View) URL() string { return v.url }

// Path returns the normalised path that path rules compare against, or ""
// for a malformed URL.
func (v *View) Path() string { return v.path }

// parsedURL is a URL split for comparison: origin is "scheme://host",
// path is decoded and has no trailing slash (except "/").
type parsedURL struct {
	origin   string
	path     string
	rawQuery string
}

// parseURL parses an absolute URL and normalises it. keepSlash keeps the
// path's trailing slash (for rule values that use it as a boundary).
func parseURL(raw string, keepSlash bool) (parsedURL, bool) {
	if raw == "" || len(raw) > MaxURLLength {
		return parsedURL{}, false
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Opaque != "" {
		return parsedURL{}, false
	}
	host := normaliseHost(u.Scheme, u.Host)
	if host == "" {
		return parsedURL{}, false
	}
	p := u.Path
	if !keepSlash {
		p = strings.TrimRight(p, "/")
	}
	if p == "" {
		p = "/"
	}
	return parsedURL{origin: strings.ToLower(u.Scheme) + "://" + host, path: p, rawQuery: u.RawQuery}, true
}

// normaliseHost lowercases host and drops the scheme's default port.
func normaliseHost(scheme, host string) string {
	host = strings.ToLower(host)
	switch strings.ToLower(scheme) {
	case "http", "ws":
		host = strings.TrimSuffix(host, ":80")
	case "https", "wss":
		host = strings.TrimSuffix(host, ":443")
	}
	return strings.TrimSuffix(host, ":")
}

// parseQuery decodes a raw query into its parameters, keeping every value
// in order. A parameter without '=' has the empty value.
func parseQuery(raw string) map[string][]string {
	q := make(map[string][]string)
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		name, value = decodeQuery(name), decodeQuery(value)
		q[name] = append(q[name], value)
	}
	return q
}

// decodeQuery decodes a query name or value, '+' being a space; invalid
// escaping leaves it as sent.
func decodeQuery(s string) string {
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	return s
}

// Device types, as the widget reports them.
const (
	deviceDesktop = "desktop"
	deviceTablet  = "tablet"
	deviceMobile  = "mobile"
)

func normaliseDevice(d string) string {
	switch d = strings.ToLower(strings.TrimSpace(d)); d {
	case deviceDesktop, deviceTablet, deviceMobile:
		return d
	}
	return ""
}

func parseProperty(s string) property {
	p := property{s: s}
	p.num, p.isNum = parseNumber(s)
	if !p.isNum {
		p.t, p.isDate = parseDate(s)
	}
	return p
}

// parseNumber parses a decimal number; NaN and infinities are not numbers.
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	// Cheap pre-check: most strings are not numbers, and a failed
	// ParseFloat allocates its error.
	switch c := s[0]; {
	case c >= '0' && c <= '9', c == '-', c == '+', c == '.':
	default:
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// parseDate parses an RFC 3339 time or a 2006-01-02 date (midnight UTC).
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) < len(time.DateOnly) || s[4] != '-' {
		return time.Time{}, false
	}
	layout := time.RFC3339
	if len(s) == len(time.DateOnly) {
		layout = time.DateOnly
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}
