package livechat

import "hash/fnv"

// nameColours and nameAnimals make the readable names of visitors nothing
// is known of: a colour and an animal, "Amber Otter".
var (
	nameColours = [...]string{
		"Amber", "Azure", "Beige", "Black", "Blue", "Bronze", "Coral", "Crimson",
		"Cyan", "Ebony", "Golden", "Green", "Grey", "Hazel", "Indigo", "Ivory",
		"Jade", "Khaki", "Lemon", "Lilac", "Magenta", "Maroon", "Mint", "Navy",
		"Olive", "Orange", "Pearl", "Pink", "Plum", "Red", "Ruby", "Rust",
		"Sage", "Salmon", "Sand", "Scarlet", "Silver", "Teal", "Violet", "White",
	}
	nameAnimals = [...]string{
		"Badger", "Bear", "Beaver", "Bison", "Crane", "Deer", "Dolphin", "Eagle",
		"Falcon", "Finch", "Fox", "Gecko", "Heron", "Ibis", "Koala", "Lark",
		"Lemur", "Lion", "Lynx", "Marten", "Moose", "Newt", "Orca", "Otter",
		"Owl", "Panda", "Puffin", "Rabbit", "Raven", "Robin", "Seal", "Swan",
		"Tiger", "Toucan", "Turtle", "Walrus", "Whale", "Wolf", "Wombat", "Zebra",
	}
)

// visitorName is what the inbox calls a visitor: the contact's name, else
// its email, else a name generated from the visitor id. c may be nil.
func visitorName(visitorID string, c *Contact) string {
	if c != nil && c.Name != "" {
		return c.Name
	}
	if c != nil && c.Email != "" {
		return c.Email
	}
	return generatedName(visitorID)
}

// generatedName is a readable name derived from a visitor id alone, so
// every node gives the same visitor the same name. It is a label for
// people to tell visitors apart at a glance, not an identity: with 1,600
// names, different visitors may share one.
func generatedName(visitorID string) string {
	h := fnv.New64a()
	h.Write([]byte(visitorID))
	n := h.Sum64()
	return nameColours[n%uint64(len(nameColours))] + " " + nameAnimals[(n/uint64(len(nameColours)))%uint64(len(nameAnimals))]
}
