package origin_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/golivechat/livechat/internal/origin"
)

func ExampleAllowed() {
	r := httptest.NewRequest("GET", "https://chat.example.com/api/v1/visitor/ws", nil)
	r.Header.Set("Origin", "https://shop.example.com")
	fmt.Println(origin.Allowed(r, nil))
	fmt.Println(origin.Allowed(r, []string{"*.example.com"}))
	// Output:
	// false
	// true
}
