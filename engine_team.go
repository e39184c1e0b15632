package livechat

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/golivechat/livechat/invalid"
	"github.com/golivechat/livechat/routing"
)

// Limits of the team settings.
const (
	maxTeamName    = 64  // characters of a team's name
	maxCapacity    = 100 // an agent's most open conversations at once
	maxAgentSkills = 20  // skills of one agent
	maxTeamMembers = 500 // agents in one team
)

// teamSettings owns the team settings: teams and their members, and each
// agent's capacity and skills. A team's members are the agents whose
// TeamIDs name it: Agent.TeamIDs is the one record of membership, the one
// routing reads; a stored Team keeps its name and avatar, and the Handler
// fills Team.AgentIDs from the agents whenever it answers with a team.
//
// Changes are read-modify-writes of agents and teams. On one node they are
// serialized (router.updateAgent and mu), so a version a client sent
// (If-Match) is checked against what the write replaces; nodes sharing the
// Storage check it each on their own, so two changes made through two
// nodes in the same instant can both pass the check, the later write
// winning.
type teamSettings struct {
	store   Storage
	routing *router
	now     func() time.Time
	// flows lists the stored chatflows, for the teams they name.
	flows func(context.Context) ([]StoredChatflow, error)
	// mu serializes this node's changes of teams.
	mu sync.Mutex
}

// versionedTeam is a team with its version (If-Match), as the team
// settings answer with it.
type versionedTeam struct {
	*Team
	Version string `json:"version"`
}

// versionedAgent is an agent with the version of its team settings.
type versionedAgent struct {
	*Agent
	Version string `json:"version"`
}

// teams returns every stored team, ordered by ID, with AgentIDs the agents
// whose TeamIDs name it, ordered by ID.
func (ts *teamSettings) teams(ctx context.Context) ([]*Team, error) {
	teams, err := ts.store.Teams(ctx)
	if err != nil {
		return nil, err
	}
	agents, err := ts.store.Agents(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range teams {
		t.AgentIDs = membersOf(agents, t.ID)
	}
	return teams, nil
}

// versionedTeams is teams with each team's version.
func (ts *teamSettings) versionedTeams(ctx context.Context) ([]versionedTeam, error) {
	teams, err := ts.teams(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]versionedTeam, len(teams))
	for i, t := range teams {
		out[i] = versionedTeam{Team: t, Version: teamVersion(t)}
	}
	return out, nil
}

// agents returns every agent with the version of its team settings.
func (ts *teamSettings) agents(ctx context.Context) ([]versionedAgent, error) {
	agents, err := ts.store.Agents(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]versionedAgent, len(agents))
	for i, a := range agents {
		out[i] = versionedAgent{Agent: a, Version: agentVersion(a)}
	}
	return out, nil
}

// team returns one stored team with its members. Returns ErrNotFound.
func (ts *teamSettings) team(ctx context.Context, id string) (versionedTeam, error) {
	t, err := ts.store.Team(ctx, id)
	if isNotFound(err) {
		return versionedTeam{}, errNoTeam
	}
	if err != nil {
		return versionedTeam{}, err
	}
	agents, err := ts.store.Agents(ctx)
	if err != nil {
		return versionedTeam{}, err
	}
	t.AgentIDs = membersOf(agents, t.ID)
	return versionedTeam{Team: t, Version: teamVersion(t)}, nil
}

var (
	errNoTeam   = publicf(ErrNotFound, "no such team")
	errNoAgent  = publicf(ErrNotFound, "no such agent")
	errChanged  = publicf(ErrConflict, "changed by someone else since it was loaded; load it again to see the change")
	errNoDelete = publicf(ErrConflict, "this Storage cannot delete teams")
	// A chatflow naming a deleted team would route to nobody.
	errTeamInFlow = publicf(ErrConflict, "a chatflow names this team in its assignment or heading: take it out there first")
	// The host would name the team again at the member's next sign-in.
	errTeamFromHost = publicf(ErrConflict, "a member's teams are set by the site's sign-in (AgentAuth): the team cannot be deleted here")
)

// currentTeam returns the stored team id for a change the client asked
// with version (empty: whatever is stored); ts.mu must be held.
func (ts *teamSettings) currentTeam(ctx context.Context, id, version string) (versionedTeam, error) {
	cur, err := ts.team(ctx, id)
	if err != nil {
		return versionedTeam{}, err
	}
	if err := checkVersion(version, cur.Version); err != nil {
		return versionedTeam{}, err
	}
	return cur, nil
}

// checkVersion refuses a change when the client sent a version (If-Match)
// that is not the current one.
func checkVersion(sent, current string) error {
	if sent != "" && sent != current {
		return errChanged
	}
	return nil
}

// createTeam stores a new team named name. With an empty id, the id is
// made from the name.
func (ts *teamSettings) createTeam(ctx context.Context, id, name string) (versionedTeam, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	teams, err := ts.store.Teams(ctx)
	if err != nil {
		return versionedTeam{}, err
	}
	var errs invalid.Fields
	name = checkTeamName(&errs, name, "", teams)
	taken := func(id string) bool { return slices.ContainsFunc(teams, func(t *Team) bool { return t.ID == id }) }
	switch {
	case id != "" && !validID(id):
		errs.Add("id", "must be 1 to 64 of the characters A-Z a-z 0-9 _ -")
	case id != "" && taken(id):
		errs.Add("id", "another team has this id")
	}
	if err := errs.Err(); err != nil {
		return versionedTeam{}, invalidTeam(errs)
	}
	if id == "" {
		id = teamID(name, taken)
	}
	t := &Team{ID: id, Name: name, UpdatedAt: ts.now().UTC()}
	if err := ts.store.PutTeam(ctx, t); err != nil {
		return versionedTeam{}, fmt.Errorf("livechat: store team: %w", err)
	}
	return ts.team(ctx, id)
}

// renameTeam changes a stored team's name.
func (ts *teamSettings) renameTeam(ctx context.Context, id, name, version string) (versionedTeam, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	cur, err := ts.currentTeam(ctx, id, version)
	if err != nil {
		return versionedTeam{}, err
	}
	teams, err := ts.store.Teams(ctx)
	if err != nil {
		return versionedTeam{}, err
	}
	var errs invalid.Fields
	name = checkTeamName(&errs, name, id, teams)
	if len(errs) > 0 {
		return versionedTeam{}, invalidTeam(errs)
	}
	t := *cur.Team
	t.Name, t.AgentIDs, t.UpdatedAt = name, nil, ts.now().UTC()
	if err := ts.store.PutTeam(ctx, &t); err != nil {
		return versionedTeam{}, fmt.Errorf("livechat: store team: %w", err)
	}
	return ts.team(ctx, id)
}

// setMembers makes agentIDs the team's members: it adds the team to the
// TeamIDs of those not in it yet and takes it out of the TeamIDs of the
// others. Every id is checked before anything is written.
func (ts *teamSettings) setMembers(ctx context.Context, id string, agentIDs []string, version string) (versionedTeam, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	cur, err := ts.currentTeam(ctx, id, version)
	if err != nil {
		return versionedTeam{}, err
	}
	agents, err := ts.store.Agents(ctx)
	if err != nil {
		return versionedTeam{}, err
	}
	byID := make(map[string]*Agent, len(agents))
	for _, a := range agents {
		byID[a.ID] = a
	}
	var errs invalid.Fields
	if len(agentIDs) > maxTeamMembers {
		errs.Add("agentIds", fmt.Sprintf("at most %d agents", maxTeamMembers))
		return versionedTeam{}, invalidTeam(errs)
	}
	want := make(map[string]bool, len(agentIDs))
	for i, aid := range agentIDs {
		path := "agentIds[" + strconv.Itoa(i) + "]"
		a := byID[aid]
		switch {
		case a == nil:
			errs.Add(path, "no agent with this id has signed in or been registered (PutAgents)")
		case want[aid]:
			errs.Add(path, "listed twice")
		case !slices.Contains(a.TeamIDs, id) && slices.Contains(a.HostFields, AgentFieldTeamIDs):
			errs.Add(path, "this agent's teams are set by the site's sign-in (AgentAuth), not here")
		}
		want[aid] = true
	}
	for _, aid := range cur.AgentIDs {
		if a := byID[aid]; !want[aid] && slices.Contains(a.HostFields, AgentFieldTeamIDs) {
			errs.Add("agentIds", "must keep the members whose teams the site's sign-in (AgentAuth) sets")
			break
		}
	}
	if len(errs) > 0 {
		return versionedTeam{}, invalidTeam(errs)
	}
	for _, a := range agents {
		in := slices.Contains(a.TeamIDs, id)
		if in == want[a.ID] {
			continue
		}
		if _, err := ts.routing.updateAgent(ctx, a.ID, func(a *Agent) error {
			a.TeamIDs = withTeam(a.TeamIDs, id, want[a.ID])
			return nil
		}); err != nil {
			return versionedTeam{}, err
		}
	}
	ts.routing.drainQueue(ctx) // new members may take waiting conversations
	return ts.team(ctx, id)
}

// canDelete reports whether the Storage can delete teams.
func (ts *teamSettings) canDelete() bool {
	_, ok := ts.store.(TeamDeleter)
	return ok
}

// deleteTeam takes the team out of its members' TeamIDs and deletes it.
// It refuses while a member's teams are the host's or a chatflow names the
// team, and with a Storage that is not a TeamDeleter.
func (ts *teamSettings) deleteTeam(ctx context.Context, id, version string) error {
	td, ok := ts.store.(TeamDeleter)
	if !ok {
		return errNoDelete
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if _, err := ts.currentTeam(ctx, id, version); err != nil {
		return err
	}
	flows, err := ts.flows(ctx)
	if err != nil {
		return err
	}
	for _, sf := range flows {
		f := sf.Chatflow
		if slices.Contains(f.Build.Assignment.TeamIDs, id) || slices.Contains(f.Display.Heading.TeamIDs, id) {
			return errTeamInFlow
		}
	}
	agents, err := ts.store.Agents(ctx)
	if err != nil {
		return err
	}
	for _, a := range agents {
		if slices.Contains(a.TeamIDs, id) && slices.Contains(a.HostFields, AgentFieldTeamIDs) {
			return errTeamFromHost
		}
	}
	for _, a := range agents {
		if !slices.Contains(a.TeamIDs, id) {
			continue
		}
		if _, err := ts.routing.updateAgent(ctx, a.ID, func(a *Agent) error {
			a.TeamIDs = withTeam(a.TeamIDs, id, false)
			return nil
		}); err != nil {
			return err
		}
	}
	if err := td.DeleteTeam(ctx, id); err != nil && !isNotFound(err) {
		return fmt.Errorf("livechat: delete team: %w", err)
	}
	return nil
}

// agentChange is a change of an agent's team settings; nil fields stay.
type agentChange struct {
	Capacity *int      `json:"capacity"`
	Skills   *[]string `json:"skills"`
}

// updateAgent applies a change of an agent's capacity or skills, checked
// whole before it is stored, then offers waiting conversations to the
// agents (the change may give this one room or the skills a conversation
// needs).
func (ts *teamSettings) updateAgent(ctx context.Context, id string, ch agentChange, version string) (versionedAgent, error) {
	if ch.Capacity == nil && ch.Skills == nil {
		return versionedAgent{}, invalidTeam(invalid.Fields{{Message: `nothing to change: send "capacity", "skills" or both`}})
	}
	a, err := ts.routing.updateAgent(ctx, id, func(a *Agent) error {
		if err := checkVersion(version, agentVersion(a)); err != nil {
			return err
		}
		var errs invalid.Fields
		var skills []string
		if ch.Capacity != nil {
			switch n := *ch.Capacity; {
			case slices.Contains(a.HostFields, AgentFieldCapacity):
				errs.Add("capacity", "set by the site's sign-in (AgentAuth), not here")
			case n < 0 || n > maxCapacity:
				errs.Add("capacity", fmt.Sprintf("must be 0 (the default) to %d", maxCapacity))
			}
		}
		if ch.Skills != nil {
			if slices.Contains(a.HostFields, AgentFieldSkills) {
				errs.Add("skills", "set by the site's sign-in (AgentAuth), not here")
			} else {
				skills = checkSkills(&errs, *ch.Skills)
			}
		}
		if len(errs) > 0 {
			return invalidTeam(errs)
		}
		if ch.Capacity != nil {
			a.Capacity = *ch.Capacity
		}
		if ch.Skills != nil {
			a.Skills = skills
		}
		return nil
	})
	if isNotFound(err) {
		return versionedAgent{}, errNoAgent
	}
	if err != nil {
		return versionedAgent{}, err
	}
	ts.routing.drainQueue(ctx)
	return versionedAgent{Agent: a, Version: agentVersion(a)}, nil
}

// checkTeamName returns name trimmed, adding its problems to errs: empty,
// too long, control characters, or the name of another team than self
// (compared case-insensitively).
func checkTeamName(errs *invalid.Fields, name, self string, teams []*Team) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		errs.Add("name", "required")
	case utf8.RuneCountInString(name) > maxTeamName:
		errs.Add("name", fmt.Sprintf("must be at most %d characters", maxTeamName))
	case strings.ContainsFunc(name, unicode.IsControl):
		errs.Add("name", "must not contain control characters")
	default:
		for _, t := range teams {
			if t.ID != self && strings.EqualFold(t.Name, name) {
				errs.Add("name", "another team has this name")
				break
			}
		}
	}
	return name
}

// checkSkills returns skills each trimmed, adding their problems to errs:
// too many, empty, too long, control characters, or the same skill twice
// (skills compare case-insensitively, as routing compares them). Never
// nil.
func checkSkills(errs *invalid.Fields, skills []string) []string {
	if len(skills) > maxAgentSkills {
		errs.Add("skills", fmt.Sprintf("at most %d skills", maxAgentSkills))
		return nil
	}
	out := make([]string, 0, len(skills))
	for i, s := range skills {
		path := "skills[" + strconv.Itoa(i) + "]"
		s = strings.TrimSpace(s)
		switch {
		case s == "":
			errs.Add(path, "must not be empty")
		case utf8.RuneCountInString(s) > routing.MaxSkillLength:
			errs.Add(path, fmt.Sprintf("must be at most %d characters", routing.MaxSkillLength))
		case strings.ContainsFunc(s, unicode.IsControl):
			errs.Add(path, "must not contain control characters")
		case slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, s) }):
			errs.Add(path, "listed twice")
		}
		out = append(out, s)
	}
	return out
}

// invalidTeam is a refused team settings change with its problems.
func invalidTeam(errs invalid.Fields) error {
	return &invalidInput{msg: "invalid team settings", fields: errs}
}

// invalidInput is bad input with every problem located by its JSON path;
// its message is what clients see.
type invalidInput struct {
	msg    string
	fields invalid.Fields
}

// Error says what is wrong.
func (e *invalidInput) Error() string { return "livechat: " + e.msg + ": " + e.fields.Error() }

// Is makes it an ErrInvalid.
func (e *invalidInput) Is(target error) bool { return target == ErrInvalid }

// withTeam returns ids with the team added (in) or taken out, never
// changing ids itself.
func withTeam(ids []string, team string, in bool) []string {
	out := slices.DeleteFunc(slices.Clone(ids), func(s string) bool { return s == team })
	if in {
		out = append(out, team)
	}
	return out
}

// teamID makes a team id from its name: lower-case letters and digits
// with "-" between words ("Sales EMEA" is "sales-emea"), a number added
// when taken, or a random id for a name without such characters.
func teamID(name string, taken func(string) bool) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
		if b.Len() >= 48 {
			break
		}
	}
	base := b.String()
	if base == "" {
		base = "team-" + rand.Text()[:8]
	}
	id := base
	for n := 2; taken(id); n++ {
		id = base + "-" + strconv.Itoa(n)
	}
	return id
}

// membersOf returns the ids of the agents whose TeamIDs name the team,
// ordered by ID; never nil.
func membersOf(agents []*Agent, teamID string) []string {
	out := []string{}
	for _, a := range agents {
		if slices.Contains(a.TeamIDs, teamID) {
			out = append(out, a.ID)
		}
	}
	slices.Sort(out)
	return out
}

// teamVersion identifies what the team settings show of a team: its name,
// avatar and members. Any change of them changes it.
func teamVersion(t *Team) string {
	return digest(t.Name, t.AvatarURL, strings.Join(t.AgentIDs, "\x00"))
}

// agentVersion identifies an agent's team settings: teams, skills,
// capacity and which of them the host sets. A sign-in or a presence
// change that leaves them alone keeps it; a nil and an empty list are the
// same.
func agentVersion(a *Agent) string {
	return digest(strings.Join(a.TeamIDs, "\x00"), strings.Join(a.Skills, "\x00"),
		strconv.Itoa(a.Capacity), strings.Join(a.HostFields, "\x00"))
}

// digest is a short hash of the strings.
func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0xff}) // never in UTF-8: ends each part
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}
