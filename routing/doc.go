// Package routing decides who gets a new conversation: the agents and
// teams a chat routes to, round robin, least busy, the contact's owner,
// skills, capacity, and the queue of conversations waiting for room.
//
// The root livechat package maps its agents, their presence and load
// onto [Candidate]s and a chat's assignment onto a [Request]. The entry
// points are:
//
//   - [Choose], the agent who gets a conversation, or a [Reason] why
//     nobody does: nobody eligible, nobody available, or everybody at
//     capacity, in which case the conversation waits;
//   - [RequiredSkills], the skills a [Conversation] needs under a chat's
//     [SkillRule]s (its language, page, chatflow or contact properties),
//     and [ValidateRules], which reports every problem of the rules at
//     once as [Errors] with their paths ("[0].when.op");
//   - [Position], a waiting conversation's place in the queue, and
//     [NextForAgent], the waiting conversation an agent takes when they
//     have room again;
//   - [Eligible] and [Candidate.HasRoom], the two halves of "can take this
//     conversation", also for counting the agents a chat's availability
//     depends on.
//
// The words used throughout: an agent is eligible for a request when in
// its lists (or its contact's owner under [StrategyContactOwner]) with
// every required skill; available when their presence says so; and has
// room when below their capacity. Choose picks among agents who are all
// three, and never exceeds a capacity as long as the caller records each
// assignment before the next Choose (in the Storage, atomically, when
// several conversations start at once).
//
// Results are deterministic: ties are broken by ID, never by map order
// or chance. The package is a pure leaf: stdlib only, no I/O, no
// goroutines, no clock (times are passed in); it never imports the root
// livechat package or flow.
package routing
