package main

import "os"

// Each scenario prints its figures against the ceiling's and their ratio.
func Example_table() {
	t := &table{}
	t.add("deliveries/s at 1000 msgs/s", "/s", 3000, 3000)
	t.add("  server CPU per delivery", "µs", 60, 24)
	writeGrid(os.Stdout, rowsGrid(t.Rows))
	// Output:
	// metric                       unit  ours  ceiling  ratio
	// deliveries/s at 1000 msgs/s    /s  3000     3000  1.00×
	//   server CPU per delivery      µs    60       24  2.50×
}
