package routing_test

import (
	"fmt"
	"time"

	"github.com/golivechat/livechat/routing"
)

func Example() {
	rules := []routing.SkillRule{
		{When: routing.Condition{Field: routing.FieldLanguage, Op: routing.OpIs, Value: "sv"}, Skills: []string{"swedish"}},
		{When: routing.Condition{Field: routing.FieldProperty, Name: "plan", Op: routing.OpIs, Value: "enterprise"}, Skills: []string{"vip"}},
	}
	if err := routing.ValidateRules(rules); err != nil {
		fmt.Println(err)
		return
	}
	conv := routing.Conversation{Language: "sv-SE", Properties: map[string]string{"plan": "enterprise"}}
	req := routing.Request{
		Strategy: routing.StrategyLeastBusy,
		TeamIDs:  []string{"support"},
		Required: routing.RequiredSkills(rules, conv),
	}
	fmt.Println("required:", req.Required)

	agents := []routing.Candidate{
		{ID: "ada", Teams: []string{"support"}, Skills: []string{"Swedish", "VIP"}, Available: true, Open: 2, Capacity: 3},
		{ID: "bob", Teams: []string{"support"}, Skills: []string{"swedish"}, Available: true},
		{ID: "eva", Teams: []string{"support"}, Skills: []string{"swedish", "vip"}, Available: true, Open: 1, Capacity: 3},
	}
	for range 4 {
		id, ok, reason := routing.Choose(req, agents)
		if !ok {
			fmt.Println("nobody:", reason)
			break
		}
		fmt.Println("assigned to", id)
		for i := range agents {
			if agents[i].ID == id {
				agents[i].Open++ // the Storage records the assignment
			}
		}
	}

	// The conversation waits; when Ada closes one, she takes the oldest.
	since := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	queue := []routing.WaitingRequest{
		{Waiting: routing.Waiting{ConversationID: "c2", Since: since.Add(time.Minute)}, Request: req},
		{Waiting: routing.Waiting{ConversationID: "c1", Since: since}, Request: req},
	}
	pos, _ := routing.Position([]routing.Waiting{queue[0].Waiting, queue[1].Waiting}, "c2")
	fmt.Println("c2 is number", pos)
	agents[0].Open--
	next, _ := routing.NextForAgent(queue, agents[0])
	fmt.Println("ada takes", next)
	// Output:
	// required: [swedish vip]
	// assigned to eva
	// assigned to ada
	// assigned to eva
	// nobody: at_capacity
	// c2 is number 2
	// ada takes c1
}
