package availability_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/golivechat/livechat/availability"
)

func Example() {
	s := availability.Defaults()
	s.Mode = availability.ModeOfficeHours
	s.OfficeHours.TimeZone = "Europe/Stockholm"
	s.OfficeHours.Days.Friday = []availability.Range{{Start: "09:00", End: "17:00"}, {Start: "22:00", End: "02:00"}}
	if err := s.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	agents := []availability.Agent{
		{ID: "ada", Available: true, Open: 3, Capacity: 3},
		{ID: "bob", Available: false},
	}
	stockholm, _ := time.LoadLocation("Europe/Stockholm")
	for _, now := range []time.Time{
		time.Date(2026, 3, 6, 10, 0, 0, 0, stockholm), // Friday morning, Ada is full
		time.Date(2026, 3, 7, 1, 30, 0, 0, stockholm), // Saturday 01:30, inside Friday 22:00–02:00
		time.Date(2026, 3, 7, 12, 0, 0, 0, stockholm), // Saturday noon
	} {
		r := availability.Evaluate(s, now, agents)
		fmt.Print(now.Format("Mon 15:04"), ": ", r.Status)
		if r.Notice == availability.NoticeReturnTime {
			// New York is on summer time a few weeks before Stockholm.
			visitor, _ := time.LoadLocation("America/New_York")
			fmt.Print(", back ", r.NextOpening.In(visitor).Format("Mon 15:04 MST"))
		}
		fmt.Println()
	}

	s.OfficeHours.Days.Monday[0].End = "5pm"
	var errs availability.Errors
	if errors.As(s.Validate(), &errs) {
		for _, e := range errs.Prefix("availability.") {
			fmt.Println(e.Path, "→", e.Message)
		}
	}
	// Output:
	// Fri 10:00: at_capacity
	// Sat 01:30: at_capacity
	// Sat 12:00: offline, back Mon 04:00 EDT
	// availability.officeHours.days.monday[0].end → must be HH:MM from 00:00 to 24:00
}

// The JSON form of the default settings.
func ExampleDefaults() {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(availability.Defaults())
	// Output:
	// {
	//   "mode": "agents",
	//   "officeHours": {
	//     "timeZone": "UTC",
	//     "days": {
	//       "monday": [
	//         {
	//           "start": "09:00",
	//           "end": "17:00"
	//         }
	//       ],
	//       "tuesday": [
	//         {
	//           "start": "09:00",
	//           "end": "17:00"
	//         }
	//       ],
	//       "wednesday": [
	//         {
	//           "start": "09:00",
	//           "end": "17:00"
	//         }
	//       ],
	//       "thursday": [
	//         {
	//           "start": "09:00",
	//           "end": "17:00"
	//         }
	//       ],
	//       "friday": [
	//         {
	//           "start": "09:00",
	//           "end": "17:00"
	//         }
	//       ],
	//       "saturday": null,
	//       "sunday": null
	//     }
	//   },
	//   "available": {
	//     "showReplyTime": false,
	//     "replyTime": "minutes"
	//   },
	//   "away": {
	//     "message": "",
	//     "showChat": true
	//   },
	//   "offline": {
	//     "behavior": "return_time",
	//     "message": ""
	//   },
	//   "atCapacity": {
	//     "behavior": "wait_message",
	//     "message": ""
	//   }
	// }
}

func ExampleNextOpening() {
	hours := availability.OfficeHours{TimeZone: "Europe/Stockholm"}
	hours.Days.Set(time.Sunday, availability.Range{Start: "02:30", End: "04:00"})

	// Clocks in Stockholm skip from 02:00 to 03:00 on 2026-03-29, so the
	// range starts at the first instant after the gap.
	saturday := time.Date(2026, 3, 28, 20, 0, 0, 0, time.UTC)
	next, ok := availability.NextOpening(hours, saturday)
	fmt.Println(next, ok)
	// Output:
	// 2026-03-29 03:00:00 +0200 CEST true
}
