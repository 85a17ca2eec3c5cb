package models_test

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/models"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 30, 0, 0, time.UTC) }

func TestProrateRounding(t *testing.T) {
	for _, tc := range []struct {
		amount       int64
		days, period int
		want         int64
	}{
		{3300, 15, 30, 1650},
		{3300, 0, 30, 0},
		{3300, 30, 30, 3300},
		{3300, 45, 30, 3300}, // clamped
		{100, 1, 3, 33},      // 33.33 → 33
		{200, 1, 3, 67},      // 66.67 → 67
		{1, 1, 2, 1},         // 0.5 → 1 (half up)
		{3, 1, 2, 2},         // 1.5 → 2
		{27720, 1, 365, 76},  // 75.945 → 76
		{27720, 10, 0, 0},    // empty period
	} {
		if got := models.Prorate(tc.amount, tc.days, tc.period); got != tc.want {
			t.Errorf("Prorate(%d, %d, %d) = %d, want %d", tc.amount, tc.days, tc.period, got, tc.want)
		}
	}
}

func TestDaysAndPeriods(t *testing.T) {
	if got := models.DaysBetween(day(2026, 3, 1), day(2026, 4, 1)); got != 31 {
		t.Fatalf("March has %d days", got)
	}
	// Late in the day still counts the whole day.
	if got := models.DaysBetween(time.Date(2026, 3, 1, 23, 59, 0, 0, time.UTC), day(2026, 3, 2)); got != 1 {
		t.Fatalf("got %d", got)
	}
	for _, tc := range []struct {
		from   time.Time
		period string
		want   time.Time
	}{
		{day(2026, 1, 31), models.PeriodMonthly, day(2026, 2, 28)},
		{day(2028, 1, 31), models.PeriodMonthly, day(2028, 2, 29)},
		{day(2026, 12, 15), models.PeriodMonthly, day(2027, 1, 15)},
		{day(2028, 2, 29), models.PeriodAnnual, day(2029, 2, 28)},
		{day(2026, 3, 1), models.PeriodAnnual, day(2027, 3, 1)},
	} {
		if got := models.AddPeriod(tc.from, tc.period); !got.Equal(tc.want) {
			t.Errorf("AddPeriod(%s, %s) = %s, want %s", tc.from, tc.period, got, tc.want)
		}
	}
}

func TestSeatChangeMidPeriod(t *testing.T) {
	start, end := day(2026, 4, 1), day(2026, 5, 1) // 30 days
	for _, tc := range []struct {
		name           string
		oldQ, newQ     int
		at             time.Time
		charge, credit int64
	}{
		{"add two seats on day 11 (20 days left)", 3, 5, day(2026, 4, 11), 2 * 3300 * 20 / 30, 0},
		{"add one seat on the first day", 3, 4, start, 3300, 0},
		{"add one seat on the last day", 3, 4, day(2026, 4, 30), 110, 0},
		{"remove one seat halfway", 4, 3, day(2026, 4, 16), 0, 1650},
		{"no change", 4, 4, day(2026, 4, 16), 0, 0},
		{"after the period end", 3, 5, day(2026, 5, 2), 0, 0},
		{"add a seat, rounding 3300*7/30 = 770", 1, 2, day(2026, 4, 24), 770, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch, cr := models.SeatChange(3300, tc.oldQ, tc.newQ, tc.at, start, end)
			if ch != tc.charge || cr != tc.credit {
				t.Fatalf("charge %d credit %d, want %d and %d", ch, cr, tc.charge, tc.credit)
			}
		})
	}
}

func TestMonthlyToAnnualCredit(t *testing.T) {
	start, end := day(2026, 4, 1), day(2026, 5, 1)
	// Three seats at $33, switched on April 21: 10 of 30 days unused.
	if got := models.UnusedCredit(3300, 3, day(2026, 4, 21), start, end); got != 3300 {
		t.Fatalf("credit %d, want 3300", got)
	}
	// The switch invoice: a year for three seats less that credit.
	lines := []models.InvoiceLine{{Quantity: 3, UnitCents: 27720, AmountCents: 3 * 27720}}
	tot := models.ComputeTotals(lines, 0, 0, 3300)
	if tot.Subtotal != 83160 || tot.Credit != 3300 || tot.Total != 79860 || tot.CreditLeft != 0 {
		t.Fatalf("totals %+v", tot)
	}
	// Switched on the first day: the whole month is credited.
	if got := models.UnusedCredit(3300, 1, start, start, end); got != 3300 {
		t.Fatalf("credit on day one %d", got)
	}
}

func TestComputeTotalsDiscountTaxCredit(t *testing.T) {
	line := func(a int64) []models.InvoiceLine {
		return []models.InvoiceLine{{Quantity: 1, UnitCents: a, AmountCents: a}}
	}
	for _, tc := range []struct {
		name    string
		lines   []models.InvoiceLine
		pct, bp int
		credit  int64
		want    models.Totals
	}{
		{"plain", line(3300), 0, 0, 0, models.Totals{Subtotal: 3300, Total: 3300}},
		{"50% student discount", line(27720), 50, 0, 0, models.Totals{Subtotal: 27720, Discount: 13860, Total: 13860}},
		{"discount rounds half up", line(3301), 50, 0, 0, models.Totals{Subtotal: 3301, Discount: 1651, Total: 1650}},
		{"tax 20% after discount", line(1000), 10, 2000, 0, models.Totals{Subtotal: 1000, Discount: 100, Tax: 180, Total: 1080}},
		{"tax rounds half up", line(5), 0, 1000, 0, models.Totals{Subtotal: 5, Tax: 1, Total: 6}},
		{"credit smaller than the bill", line(3300), 0, 0, 1000, models.Totals{Subtotal: 3300, Credit: 1000, Total: 2300}},
		{"credit larger than the bill carries over", line(3300), 0, 0, 5000, models.Totals{Subtotal: 3300, Credit: 3300, Total: 0, CreditLeft: 1700}},
		{"100% discount", line(3300), 100, 0, 0, models.Totals{Subtotal: 3300, Discount: 3300, Total: 0}},
		{"several lines", []models.InvoiceLine{{AmountCents: 2200}, {AmountCents: 1100}}, 0, 0, 0, models.Totals{Subtotal: 3300, Total: 3300}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := models.ComputeTotals(tc.lines, tc.pct, tc.bp, tc.credit); got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestDocumentNumber(t *testing.T) {
	for _, tc := range []struct {
		kind string
		seq  int64
		want string
	}{
		{models.KindInvoice, 1, "INV-2026-000001"},
		{models.KindCreditNote, 42, "CN-2026-000042"},
		{models.KindQuote, 1234567, "Q-2026-1234567"},
	} {
		if got := models.DocumentNumber(tc.kind, 2026, tc.seq); got != tc.want {
			t.Errorf("DocumentNumber(%s, %d) = %s, want %s", tc.kind, tc.seq, got, tc.want)
		}
	}
}
