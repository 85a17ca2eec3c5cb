package models

import (
	"fmt"
	"time"
)

// Money in Gatehouse is integer cents of the catalog's currency; every
// computation here is pure and exact until its single rounding step.
//
// Rounding rule: a fraction of a cent is rounded half up (0.5 cent → 1 cent),
// once, when a line's amount (a prorated charge or credit, a discount, a tax)
// is computed from exact integer ratios. Sums of rounded lines are exact.
//
// Days: proration counts calendar days in UTC. A period of N days has N
// billable days; a change made on day d of the period is charged or credited
// for the days from d (inclusive) to the period's end (exclusive).

// DaysBetween counts calendar days (UTC dates) from a to b; negative when b is before a.
func DaysBetween(a, b time.Time) int {
	da := time.Date(a.UTC().Year(), a.UTC().Month(), a.UTC().Day(), 0, 0, 0, 0, time.UTC)
	db := time.Date(b.UTC().Year(), b.UTC().Month(), b.UTC().Day(), 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

// divRoundHalfUp returns num/den rounded half up; den > 0, num >= 0.
func divRoundHalfUp(num, den int64) int64 {
	if den <= 0 {
		panic("divRoundHalfUp: denominator must be positive")
	}
	if num < 0 {
		return -divRoundHalfUp(-num, den)
	}
	return (2*num + den) / (2 * den)
}

// Prorate is amount × days / periodDays, rounded half up; days is clamped to [0, periodDays].
func Prorate(amount int64, days, periodDays int) int64 {
	if periodDays <= 0 || days <= 0 {
		return 0
	}
	if days > periodDays {
		days = periodDays
	}
	return divRoundHalfUp(amount*int64(days), int64(periodDays))
}

// RemainingDays is how many billable days of [start, end) remain at now
// (the day of now included), and the period's length in days.
func RemainingDays(now, start, end time.Time) (remaining, period int) {
	period = DaysBetween(start, end)
	remaining = DaysBetween(now, end)
	if remaining < 0 {
		remaining = 0
	}
	if remaining > period {
		remaining = period
	}
	return remaining, period
}

// SeatChange prices a change of seats from oldQty to newQty at now within the
// period [start, end) at unit cents per seat and period. Added seats are
// charged now for the remaining days; removed seats give a credit for the
// remaining days, applied to the next invoice (never paid out).
func SeatChange(unit int64, oldQty, newQty int, now, start, end time.Time) (charge, credit int64) {
	remaining, period := RemainingDays(now, start, end)
	switch {
	case newQty > oldQty:
		charge = Prorate(unit*int64(newQty-oldQty), remaining, period)
	case newQty < oldQty:
		credit = Prorate(unit*int64(oldQty-newQty), remaining, period)
	}
	return charge, credit
}

// UnusedCredit is what is left of a period already paid (unit × qty for
// [start, end)) at now: the credit given when switching monthly → annual.
func UnusedCredit(unit int64, qty int, now, start, end time.Time) int64 {
	remaining, period := RemainingDays(now, start, end)
	return Prorate(unit*int64(qty), remaining, period)
}

// PercentOf is amount × percent / 100, rounded half up.
func PercentOf(amount int64, percent int) int64 {
	return divRoundHalfUp(amount*int64(percent), 100)
}

// TaxOf is amount × basis points / 10000, rounded half up (1% = 100 bp).
func TaxOf(amount int64, bp int) int64 {
	return divRoundHalfUp(amount*int64(bp), 10_000)
}

// AddPeriod moves t one billing period on. Months are calendar months; a
// day that the target month lacks is clamped to its last day (Jan 31 →
// Feb 28), so a period never skips a month.
func AddPeriod(t time.Time, period string) time.Time {
	months := 1
	if period == PeriodAnnual {
		months = 12
	}
	return AddMonthsClamped(t, months)
}

// AddMonthsClamped adds n calendar months, clamping the day to the month's end.
func AddMonthsClamped(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}

// InvoiceLine is one priced line of an invoice.
type InvoiceLine struct {
	Description string     `json:"description"`
	Quantity    int        `json:"quantity"`
	UnitCents   int64      `json:"unit_cents"`
	AmountCents int64      `json:"amount_cents"`
	PeriodStart *time.Time `json:"period_start"`
	PeriodEnd   *time.Time `json:"period_end"`
}

// Totals are an invoice's sums.
type Totals struct {
	Subtotal int64 // sum of the lines
	Discount int64 // percent discount of the subtotal
	Tax      int64 // tax on subtotal − discount
	Credit   int64 // account credit applied (never more than what is owed)
	Total    int64 // subtotal − discount + tax − credit (amount due, >= 0)
	// CreditLeft is the credit not used, carried to the next invoice.
	CreditLeft int64
}

// ComputeTotals sums lines, takes the discount off, adds tax and applies up
// to creditAvailable of account credit.
func ComputeTotals(lines []InvoiceLine, discountPercent int, taxBP int, creditAvailable int64) Totals {
	var t Totals
	for _, l := range lines {
		t.Subtotal += l.AmountCents
	}
	if discountPercent > 0 {
		t.Discount = PercentOf(t.Subtotal, min(discountPercent, 100))
	}
	taxable := t.Subtotal - t.Discount
	t.Tax = TaxOf(taxable, taxBP)
	owed := taxable + t.Tax
	t.Credit = min(max(creditAvailable, 0), max(owed, 0))
	t.Total = owed - t.Credit
	t.CreditLeft = max(creditAvailable, 0) - t.Credit
	return t
}

// Invoice kinds and their number prefixes.
const (
	KindInvoice    = "invoice"
	KindCreditNote = "credit_note"
	KindQuote      = "quote"
)

var kindPrefix = map[string]string{KindInvoice: "INV", KindCreditNote: "CN", KindQuote: "Q"}

// DocumentNumber formats the number of a billing document: a prefix per kind,
// the year and a per-kind, per-year sequence without gaps (INV-2026-000042).
func DocumentNumber(kind string, year int, seq int64) string {
	return fmt.Sprintf("%s-%d-%06d", kindPrefix[kind], year, seq)
}

// QuoteMinimumCents is the smallest annual total a quote (and a PO number
// on the invoices) is offered for: $396.
const QuoteMinimumCents = 39_600
