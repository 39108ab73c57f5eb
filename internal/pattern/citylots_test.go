package pattern

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
)

// This file generates events shaped like the features of the San Francisco
// "city lots" GeoJSON file (citylots.json) that event matcher benchmarks
// (AWS event-ruler, quamina) run over:
//
//	{"type":"Feature","properties":{"MAPBLKLOT":"0001001","BLKLOT":"0001001",
//	 "BLOCK_NUM":"0001","LOT_NUM":"001","FROM_ST":"0","TO_ST":"0",
//	 "STREET":"UNKNOWN","ST_TYPE":null,"ODD_EVEN":"E"},
//	 "geometry":{"type":"Polygon","coordinates":[[[-122.422003528252475,
//	 37.808480096967251,0.0],...]]}}
//
// Two properties are added so that every operator can be benchmarked on the
// same events: SOURCE_IP (an IPv4 address inside one of a few /16 blocks,
// for cidr) and LOT_AREA (a number, for numeric). Everything is drawn from a
// fixed seed, so the events are the same on every run.

// cityLotsSeed fixes the generated events.
const cityLotsSeed = 20240521

// cityStreets is the street vocabulary; the first entries are drawn more
// often (a rough Zipf), as in the real file where a few long streets border
// many lots.
var cityStreets = []string{
	"MARKET", "MISSION", "FOLSOM", "HOWARD", "GEARY", "CALIFORNIA", "JACKSON",
	"WASHINGTON", "FULTON", "JEFFERSON", "BEACH", "NORTH POINT", "BAY",
	"FRANCISCO", "CHESTNUT", "LOMBARD", "GREENWICH", "FILBERT", "UNION",
	"GREEN", "VALLEJO", "BROADWAY", "PACIFIC", "CLAY", "SACRAMENTO", "PINE",
	"BUSH", "SUTTER", "POST", "O'FARRELL", "ELLIS", "EDDY", "TURK",
	"GOLDEN GATE", "MCALLISTER", "GROVE", "HAYES", "FELL", "OAK", "PAGE",
	"HAIGHT", "WALLER", "HARRISON", "BRYANT", "VAN NESS", "POLK", "LARKIN",
	"HYDE", "LEAVENWORTH", "JONES", "TAYLOR", "MASON", "POWELL", "STOCKTON",
	"GRANT", "KEARNY", "MONTGOMERY", "SANSOME", "BATTERY", "FRONT", "DAVIS",
	"DRUMM", "THE EMBARCADERO", "DIVISADERO", "FILLMORE", "STEINER", "PIERCE",
	"SCOTT", "BAKER", "LYON", "MASONIC", "STANYAN", "ARGUELLO", "FUNSTON",
	"SUNSET", "IRVING", "JUDAH", "NORIEGA", "TARAVAL", "ULLOA", "VICENTE",
	"WAWONA", "CLEMENT", "ANZA", "BALBOA", "CABRILLO", "DE HARO",
	"RHODE ISLAND", "POTRERO", "VALENCIA", "GUERRERO", "DOLORES", "CASTRO",
	"NOE", "SANCHEZ", "CHURCH", "24TH", "16TH", "03RD", "19TH",
}

// cityStreetTypes are the ST_TYPE values; "" stands for null.
var cityStreetTypes = []string{"ST", "ST", "ST", "ST", "AVE", "AVE", "AVE", "BLVD", "WAY", ""}

// citySourceNets are the /16 blocks SOURCE_IP is drawn from.
var citySourceNets = [][2]int{{10, 0}, {10, 1}, {172, 16}, {192, 168}, {100, 64}}

// cityLotStreet draws a street, UNKNOWN for about 4% of lots.
func cityLotStreet(r *rand.Rand) string {
	if r.IntN(25) == 0 {
		return "UNKNOWN"
	}
	// Squaring a uniform draw favours the front of the list.
	u := r.Float64()
	return cityStreets[int(u*u*float64(len(cityStreets)))]
}

// appendCityLot appends one feature for the lot at index i to b.
func appendCityLot(b []byte, r *rand.Rand, i int) []byte {
	// Lots come block by block, as in the file: block numbers rise with i.
	block := 1 + i/12%7600
	lot := 1 + r.IntN(150)
	blockNum := pad(block, 4)
	if r.IntN(50) == 0 {
		blockNum = pad(block, 4)[:4] + "A" // e.g. "3512A": a split block
	}
	lotNum := pad(lot, 3)
	mapBlkLot := blockNum + lotNum
	blkLot := mapBlkLot
	if r.IntN(10) == 0 { // condominium lots get their own BLKLOT
		blkLot = blockNum + pad(lot+r.IntN(40)+1, 3)
	}
	street := cityLotStreet(r)
	stType := cityStreetTypes[r.IntN(len(cityStreetTypes))]
	from, to := 0, 0
	if street == "UNKNOWN" {
		stType = ""
	} else {
		from = r.IntN(400) * 10
		to = from + r.IntN(5)*2
	}
	oddEven := "E"
	if from%20 == 10 || r.IntN(2) == 0 {
		oddEven = "O"
	}
	net := citySourceNets[r.IntN(len(citySourceNets))]
	area := math.Round(math.Exp(6+r.Float64()*4.5)*100) / 100 // ~400 to ~36000 sq ft

	b = append(b, `{"type":"Feature","properties":{"MAPBLKLOT":"`...)
	b = append(b, mapBlkLot...)
	b = append(b, `","BLKLOT":"`...)
	b = append(b, blkLot...)
	b = append(b, `","BLOCK_NUM":"`...)
	b = append(b, blockNum...)
	b = append(b, `","LOT_NUM":"`...)
	b = append(b, lotNum...)
	b = append(b, `","FROM_ST":"`...)
	b = strconv.AppendInt(b, int64(from), 10)
	b = append(b, `","TO_ST":"`...)
	b = strconv.AppendInt(b, int64(to), 10)
	b = append(b, `","STREET":"`...)
	b = append(b, street...)
	b = append(b, `","ST_TYPE":`...)
	if stType == "" {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendQuote(b, stType)
	}
	b = append(b, `,"ODD_EVEN":"`...)
	b = append(b, oddEven...)
	b = append(b, `","SOURCE_IP":"`...)
	b = strconv.AppendInt(b, int64(net[0]), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(net[1]), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(r.IntN(256)), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(1+r.IntN(254)), 10)
	b = append(b, `","LOT_AREA":`...)
	b = strconv.AppendFloat(b, area, 'f', -1, 64)
	b = append(b, `},"geometry":{"type":`...)

	// The block's position: blocks are laid out over the city, lots of one
	// block sit next to each other.
	br := rand.New(rand.NewPCG(cityLotsSeed, uint64(block)))
	cx := -122.514 + br.Float64()*0.14 // -122.514 .. -122.374
	cy := 37.708 + br.Float64()*0.102  // 37.708 .. 37.810
	cx += float64(lot%12) * 0.00012    // along the block
	cy += float64(lot/12%12) * 0.00009 // and across it
	multi := r.IntN(40) == 0           // a few lots are MultiPolygons
	if multi {
		b = append(b, `"MultiPolygon","coordinates":[`...)
		for p := 0; p < 2; p++ {
			if p > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			b = appendRing(b, r, cx+float64(p)*0.0003, cy, 4+r.IntN(6))
			b = append(b, ']')
		}
		b = append(b, "]}}"...)
		return b
	}
	b = append(b, `"Polygon","coordinates":[`...)
	// Most lots have 5 to 15 corners; as in the real file, a tail of
	// irregular lots has many more, which brings the mean to about 1 KB.
	corners := 5 + r.IntN(11)
	if r.IntN(100) < 15 {
		corners = 20 + r.IntN(41)
	}
	b = appendRing(b, r, cx, cy, corners)
	b = append(b, "]}}"...)
	return b
}

// appendRing appends a closed linear ring of n corners (n+1 positions, the
// last repeating the first) around (cx, cy), as [x,y,0.0] triples with 15
// decimals.
func appendRing(b []byte, r *rand.Rand, cx, cy float64, n int) []byte {
	b = append(b, '[')
	var x0, y0 float64
	for k := 0; k <= n; k++ {
		x, y := x0, y0
		if k < n {
			a := 2 * math.Pi * (float64(k) + r.Float64()*0.5) / float64(n)
			rad := 0.00004 + r.Float64()*0.00008
			x = cx + rad*math.Cos(a)*1.26 // degrees of longitude are shorter
			y = cy + rad*math.Sin(a)
			if k == 0 {
				x0, y0 = x, y
			}
		}
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendFloat(b, x, 'f', 15, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, y, 'f', 15, 64)
		b = append(b, ",0.0]"...)
	}
	return append(b, ']')
}

func pad(v, width int) string {
	s := strconv.Itoa(v)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// cityLots returns n deterministic city-lots events. The same n always
// gives the same events, and a smaller n gives a prefix of a larger one.
func cityLots(n int) [][]byte {
	r := rand.New(rand.NewPCG(cityLotsSeed, 1))
	out := make([][]byte, n)
	buf := make([]byte, 0, 64<<10)
	for i := range out {
		if cap(buf)-len(buf) < 4<<10 {
			buf = make([]byte, 0, 64<<10)
		}
		start := len(buf)
		buf = appendCityLot(buf, r, i)
		out[i] = buf[start:len(buf):len(buf)]
	}
	return out
}

// cityLotsEvents is the shared benchmark corpus.
const cityLotsEvents = 10000

var cityLotsCache = sync.OnceValue(func() [][]byte { return cityLots(cityLotsEvents) })

func TestCityLots(t *testing.T) {
	events := cityLotsCache()
	if testing.Short() {
		events = events[:1000]
	}
	total := 0
	types := map[string]int{}
	for i, ev := range events {
		total += len(ev)
		var f struct {
			Type       string                     `json:"type"`
			Properties map[string]json.RawMessage `json:"properties"`
			Geometry   struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		}
		if err := json.Unmarshal(ev, &f); err != nil {
			t.Fatalf("event %d is not valid JSON: %v\n%s", i, err, ev)
		}
		if f.Type != "Feature" {
			t.Fatalf("event %d: type %q", i, f.Type)
		}
		for _, k := range []string{"MAPBLKLOT", "BLKLOT", "BLOCK_NUM", "LOT_NUM", "FROM_ST", "TO_ST", "STREET", "ST_TYPE", "ODD_EVEN", "SOURCE_IP", "LOT_AREA"} {
			if _, ok := f.Properties[k]; !ok {
				t.Fatalf("event %d lacks properties.%s", i, k)
			}
		}
		types[f.Geometry.Type]++
		switch f.Geometry.Type {
		case "Polygon":
			var c [][][3]float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &c); err != nil || len(c) != 1 || len(c[0]) < 6 || c[0][0] != c[0][len(c[0])-1] {
				t.Fatalf("event %d: bad polygon (%v): %s", i, err, f.Geometry.Coordinates)
			}
		case "MultiPolygon":
			var c [][][][3]float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &c); err != nil || len(c) < 2 {
				t.Fatalf("event %d: bad multipolygon (%v): %s", i, err, f.Geometry.Coordinates)
			}
		default:
			t.Fatalf("event %d: geometry type %q", i, f.Geometry.Type)
		}
		if m := NewMatcher(); m != nil {
			if _, err := m.Match(ev); err != nil {
				t.Fatalf("event %d: Matcher refuses it: %v", i, err)
			}
		}
	}
	again := cityLots(10)
	for i := range again {
		if string(again[i]) != string(events[i]) {
			t.Fatalf("event %d differs between runs", i)
		}
	}
	t.Logf("%d events, average %d bytes, geometry types %v", len(events), total/len(events), types)
	t.Logf("sample: %s", events[0])
}
