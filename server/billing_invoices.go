package server

import (
	"bytes"
	"errors"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/gatehouse/gatehouse/models"
)

var billingInvSort = SortFields{"id": "billing_invoices.id", "issued_date": "billing_invoices.issued_at", "number": "billing_invoices.number"}

var billingInvColumns = map[string]string{
	"personal_user_id": "billing_invoices.organization_id IS NULL AND billing_invoices.user_id = ?",
	"org_owner_id":     "billing_invoices.organization_id IN (SELECT id FROM organizations WHERE owner_id = ?)",
}

func (s *Server) billingInvoicesList(c *fiber.Ctx) error {
	return billingList(s, c, billingListSpec[models.Invoice, invoiceBody]{
		sort: billingInvSort, columns: billingInvColumns, table: "billing_invoices",
		idFilters: []string{"subscription_id", "organization_id", "user_id"}, textFilters: []string{"status", "kind"},
		bodies: s.invoiceBodies,
	})
}

// loadInvoice loads {id} and checks scope on its workspace; unseen = 404.
func (s *Server) loadInvoice(c *fiber.Ctx, me *models.User, scope string) (*models.Invoice, error) {
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil {
		return nil, NotFound("Not found.")
	}
	inv, err := s.db.InvoiceByID(c.UserContext(), id)
	if err != nil {
		return nil, billingError(err)
	}
	if scope == "admin" {
		if err := s.authorize(c, "billing", "admin", billingAuth(me), map[string]any{}); err != nil {
			return nil, err
		}
		return inv, nil
	}
	if err := s.authorizeDoc(c, me, inv.UserID, inv.OrganizationID, scope); err != nil {
		return nil, err
	}
	return inv, nil
}

func (s *Server) billingInvoiceGet(c *fiber.Ctx) error {
	me, err := currentUser(c)
	if err != nil {
		return err
	}
	inv, err := s.loadInvoice(c, me, "view")
	if err != nil {
		return err
	}
	return s.sendInvoice(c, fiber.StatusOK, inv)
}

type invoicePatch struct {
	PONumber *string `json:"po_number"`
}

func (s *Server) billingInvoicePatch(c *fiber.Ctx) error {
	var in invoicePatch
	_, inv, err := decodeAndLoad(c, &in, false, s.loadInvoice, "manage")
	if err != nil {
		return err
	}
	if inv.Kind != models.KindInvoice || inv.Status != models.InvoiceOpen {
		if inv.Status == models.InvoicePaid {
			return Errorf(fiber.StatusConflict, "A paid invoice cannot be changed; ask for a credit note.")
		}
		return Errorf(fiber.StatusConflict, "Only an open invoice can be changed (%s is %s).", inv.Number, inv.Status)
	}
	if in.PONumber != nil {
		po := strings.TrimSpace(*in.PONumber)
		if utf8.RuneCountInString(po) > 64 {
			return FieldError("po_number", "Ensure this field has no more than 64 characters.")
		}
		// Only open invoices change: the status is part of the WHERE so a
		// payment recorded meanwhile wins.
		res := s.db.WithContext(c.UserContext()).Model(inv).Where("status = ?", models.InvoiceOpen).
			Updates(map[string]any{"po_number": po, "updated_at": s.clock.Now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return Errorf(fiber.StatusConflict, "A paid invoice cannot be changed; ask for a credit note.")
		}
		inv.PONumber = po
	}
	return s.sendInvoice(c, fiber.StatusOK, inv)
}

type payWrite struct {
	PaymentMethod string `json:"payment_method"`
}

func (s *Server) billingInvoicePay(c *fiber.Ctx) error {
	var in payWrite
	_, inv, err := decodeAndLoad(c, &in, true, s.loadInvoice, "manage")
	if err != nil {
		return err
	}
	if in.PaymentMethod != "" {
		v := Validation{}
		s.validMethod(v, in.PaymentMethod)
		if err := v.Err(); err != nil {
			return err
		}
	}
	pay, err := s.billing.StartPayment(c.UserContext(), inv, in.PaymentMethod)
	if err != nil {
		return billingError(err)
	}
	if inv, err = s.db.InvoiceByID(c.UserContext(), inv.ID); err != nil {
		return err
	}
	b, err := s.invoiceBody(c, inv)
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, fiber.Map{"invoice": b, "payment": pay})
}

type quoteWrite struct {
	Plan           string  `json:"plan"`
	Quantity       *int    `json:"quantity"`
	OrganizationID *uint64 `json:"organization_id"`
	PONumber       string  `json:"po_number"`
}

func (s *Server) billingQuote(c *fiber.Ctx) error {
	me, err := currentUser(c)
	if err != nil {
		return err
	}
	var in quoteWrite
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	ws := models.Workspace{UserID: me.ID}
	if in.OrganizationID != nil {
		ws.OrgID = *in.OrganizationID
	}
	if err := s.authorizeWorkspace(c, me, ws, "manage"); err != nil {
		return err
	}
	v := Validation{}
	plan, ok := s.plans.Plan(in.Plan)
	if !ok || plan.IsFree() {
		v.Add("plan", "Choose a paid plan of GET /api/billing/plans.")
	} else if (plan.Scope == models.ScopeOrganization) != (ws.OrgID != 0) {
		v.Add("organization_id", "Give organization_id for an organization plan, and only then.")
	}
	qty := 1
	if in.Quantity != nil {
		qty = *in.Quantity
		if qty < 1 || qty > 100_000 || (ok && !plan.PerSeat && qty != 1) {
			v.Add("quantity", "Enter a number of seats from 1 (1 for plans not priced per seat).")
		}
	}
	in.PONumber = strings.TrimSpace(in.PONumber)
	if utf8.RuneCountInString(in.PONumber) > 64 {
		v.Add("po_number", "Ensure this field has no more than 64 characters.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	q, err := s.billing.Quote(c.UserContext(), plan, qty, ws, in.PONumber)
	if err != nil {
		return billingError(err)
	}
	return s.sendInvoice(c, fiber.StatusCreated, q)
}

// ---- printable invoice ----

var printFuncs = template.FuncMap{
	"money": money,
	"date": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			return v.UTC().Format("2006-01-02")
		case *time.Time:
			if v == nil {
				return ""
			}
			return v.UTC().Format("2006-01-02")
		}
		return ""
	},
	"title": func(kind string) string {
		switch kind {
		case models.KindCreditNote:
			return "Credit note"
		case models.KindQuote:
			return "Quote"
		}
		return "Invoice"
	},
	"lines": func(s string) []string { return strings.Split(s, "\n") },
}

var printTemplate = template.Must(template.New("invoice").Funcs(printFuncs).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{title .Kind}} {{.Number}}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;margin:2rem auto;max-width:52rem;padding:0 1rem}
h1{font-size:1.6rem;margin:0}header{display:flex;justify-content:space-between;align-items:flex-start;margin-bottom:2rem}
table{width:100%;border-collapse:collapse;margin:1.5rem 0}th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid #d9e2ec}
td.n,th.n{text-align:right;white-space:nowrap}.tot td{border:none}.tot .grand td{font-weight:700;border-top:2px solid #1f2933}
.muted{color:#52606d}.status{display:inline-block;padding:.1rem .5rem;border:1px solid #52606d;border-radius:4px;text-transform:uppercase;font-size:.8rem}
.cols{display:flex;gap:3rem}.cols div{flex:1}.noprint{margin-top:2rem}
@media print{body{margin:0;max-width:none}.noprint{display:none}a{color:inherit;text-decoration:none}@page{margin:18mm}}
</style></head><body>
<header><div><h1>{{title .Kind}} {{.Number}}</h1><div class="muted">{{.Site}}</div></div>
<div><span class="status">{{.Status}}</span></div></header>
<div class="cols"><div><strong>Bill to</strong><br>
{{with .Bill}}{{if .IsBusiness}}{{.BusinessName}}<br>{{end}}{{.Name}}<br>{{range lines .Address}}{{.}}<br>{{end}}{{if .Phone}}{{.Phone}}<br>{{end}}{{if .Email}}{{.Email}}<br>{{end}}{{if .VATID}}VAT id: {{.VATID}}<br>{{end}}Workspace: {{.Workspace}}{{end}}</div>
<div><strong>Issued</strong> {{date .IssuedAt}}<br>
{{if .DueAt}}<strong>{{if eq .Kind "quote"}}Valid until{{else}}Due{{end}}</strong> {{date .DueAt}}<br>{{end}}
{{if .PaidAt}}<strong>Paid</strong> {{date .PaidAt}}<br>{{end}}
{{if .PONumber}}<strong>PO number</strong> {{.PONumber}}<br>{{end}}
{{if .RefersTo}}<strong>Refers to</strong> {{.RefersTo}}<br>{{end}}
{{if .PaymentMethod}}<strong>Payment</strong> {{.PaymentMethod}}{{end}}</div></div>
<table><thead><tr><th>Description</th><th>Period</th><th class="n">Qty</th><th class="n">Unit</th><th class="n">Amount</th></tr></thead><tbody>
{{range .Lines}}<tr><td>{{.Description}}</td><td>{{if .PeriodStart}}{{date .PeriodStart}} – {{date .PeriodEnd}}{{end}}</td><td class="n">{{.Quantity}}</td><td class="n">{{money .UnitCents $.Currency}}</td><td class="n">{{money .AmountCents $.Currency}}</td></tr>
{{end}}</tbody></table>
<table class="tot"><tbody>
<tr><td></td><td class="n">Subtotal</td><td class="n">{{money .SubtotalCents .Currency}}</td></tr>
{{if .DiscountCents}}<tr><td></td><td class="n">Discount</td><td class="n">−{{money .DiscountCents .Currency}}</td></tr>{{end}}
<tr><td></td><td class="n">Tax ({{.TaxRate}})</td><td class="n">{{money .TaxCents .Currency}}</td></tr>
{{if .CreditCents}}<tr><td></td><td class="n">Credit applied</td><td class="n">−{{money .CreditCents .Currency}}</td></tr>{{end}}
<tr class="grand"><td></td><td class="n">{{if eq .Kind "credit_note"}}Credited{{else}}Total{{end}}</td><td class="n">{{money .TotalCents .Currency}}</td></tr>
{{if .RefundedCents}}<tr><td></td><td class="n">Refunded</td><td class="n">{{money .RefundedCents .Currency}}</td></tr>{{end}}
</tbody></table>
{{if eq .Status "open"}}<p class="muted">Bank transfers may take up to three banking days to arrive; this invoice stays pending until then.</p>{{end}}
<p class="noprint muted">Use your browser's Print command (Ctrl+P or ⌘P) to print this page or save it as a PDF.</p>
</body></html>`))

func (s *Server) billingInvoicePrint(c *fiber.Ctx) error {
	me, err := currentUser(c)
	if err != nil {
		return err
	}
	inv, err := s.loadInvoice(c, me, "view")
	if err != nil {
		return err
	}
	ref := ""
	if inv.RefersToID != nil {
		if r, err := s.db.InvoiceByID(c.UserContext(), *inv.RefersToID); err == nil {
			ref = r.Number
		}
	}
	rate := strconv.FormatFloat(float64(inv.TaxRateBP)/100, 'f', -1, 64) + "%"
	var buf bytes.Buffer
	err = printTemplate.Execute(&buf, map[string]any{
		"Kind": inv.Kind, "Number": inv.Number, "Status": inv.Status, "Site": "Gatehouse", "Bill": inv.BillToInfo(),
		"IssuedAt": inv.IssuedAt, "DueAt": inv.DueAt, "PaidAt": inv.PaidAt, "PONumber": inv.PONumber, "RefersTo": ref,
		"PaymentMethod": inv.PaymentMethod, "Lines": inv.LineItems(), "Currency": inv.Currency,
		"SubtotalCents": inv.SubtotalCents, "DiscountCents": inv.DiscountCents, "TaxCents": inv.TaxCents, "TaxRate": rate,
		"CreditCents": inv.CreditCents, "TotalCents": inv.TotalCents, "RefundedCents": inv.RefundedCents,
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/html; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Status(fiber.StatusOK).Send(buf.Bytes())
}

// ---- admin ----

type recordPaymentWrite struct {
	Note   string     `json:"note"`
	PaidAt *time.Time `json:"paid_at"`
}

func (s *Server) billingAdminRecordPayment(c *fiber.Ctx) error {
	var in recordPaymentWrite
	me, inv, err := decodeAndLoad(c, &in, true, s.loadInvoice, "admin")
	if err != nil {
		return err
	}
	now := s.clock.Now()
	paid := now
	if in.PaidAt != nil {
		if in.PaidAt.After(now) {
			return FieldError("paid_at", "The payment date cannot be in the future.")
		}
		paid = in.PaidAt.UTC()
	}
	in.Note = strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(in.Note) > 500 {
		return FieldError("note", "Ensure this field has no more than 500 characters.")
	}
	note := "recorded by " + me.Username
	if in.Note != "" {
		note += ": " + in.Note
	}
	inv, err = s.billing.MarkPaid(c.UserContext(), inv.ID, paid, note, "")
	if err != nil {
		return billingError(err)
	}
	return s.sendInvoice(c, fiber.StatusOK, inv)
}

type refundWrite struct {
	AmountCents int64  `json:"amount_cents"`
	Reason      string `json:"reason"`
}

func (s *Server) billingAdminRefund(c *fiber.Ctx) error {
	var in refundWrite
	_, inv, err := decodeAndLoad(c, &in, false, s.loadInvoice, "admin")
	if err != nil {
		return err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if utf8.RuneCountInString(in.Reason) > 200 {
		return FieldError("reason", "Ensure this field has no more than 200 characters.")
	}
	cn, err := s.billing.Refund(c.UserContext(), inv.ID, in.AmountCents, in.Reason)
	if err != nil {
		return billingError(err)
	}
	return s.sendInvoice(c, fiber.StatusCreated, cn)
}

type discountWrite struct {
	Percent int `json:"percent"`
	Months  int `json:"months"`
}

func (s *Server) adminSubscription(c *fiber.Ctx) (*models.Subscription, error) {
	me, err := currentUser(c)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(c, "billing", "admin", billingAuth(me), map[string]any{}); err != nil {
		return nil, err
	}
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil {
		return nil, NotFound("Not found.")
	}
	sub, err := s.db.SubscriptionByID(c.UserContext(), id)
	return sub, billingError(err)
}

func (s *Server) billingAdminDiscount(c *fiber.Ctx) error {
	var in discountWrite
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	sub, err := s.adminSubscription(c)
	if err != nil {
		return err
	}
	v := Validation{}
	if in.Percent < 1 || in.Percent > 100 {
		v.Add("percent", "Enter a percentage from 1 to 100.")
	}
	if in.Months < 1 || in.Months > 36 {
		v.Add("months", "Enter a number of months from 1 to 36.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if sub, err = s.billing.GrantDiscount(c.UserContext(), sub.ID, in.Percent, in.Months); err != nil {
		return billingError(err)
	}
	return s.sendSubscription(c, fiber.StatusOK, sub)
}

func (s *Server) billingAdminDiscountDelete(c *fiber.Ctx) error {
	sub, err := s.adminSubscription(c)
	if err != nil {
		return err
	}
	if sub, err = s.billing.GrantDiscount(c.UserContext(), sub.ID, 0, 0); err != nil {
		return billingError(err)
	}
	return s.sendSubscription(c, fiber.StatusOK, sub)
}

// ---- Stripe webhook ----

func (s *Server) billingStripeWebhook(c *fiber.Ctx) error {
	secret := s.billing.settings.Stripe.WebhookSecret
	if s.billing.stripe == nil || secret == "" {
		return NotFound("Not found.")
	}
	if err := s.authorize(c, "billing", "plans:view", billingAuth(nil), map[string]any{}); err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(bytes.NewReader(c.Body()), 1<<20))
	if err != nil {
		return err
	}
	ev, err := webhook.ConstructEventWithOptions(body, c.Get("Stripe-Signature"), secret,
		webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	if err != nil {
		s.logger(c).Warn("stripe webhook refused", "err", err)
		return BadRequest("Invalid Stripe signature.")
	}
	ctx := c.UserContext()
	fresh, err := s.db.ClaimBillingEvent(ctx, "stripe", ev.ID, string(ev.Type), s.clock.Now())
	if err != nil {
		return err
	}
	if !fresh {
		return sendJSON(c, fiber.StatusOK, fiber.Map{"received": true, "duplicate": true})
	}
	switch ev.Type {
	case "payment_intent.succeeded":
		var pi stripe.PaymentIntent
		if err := pi.UnmarshalJSON(ev.Data.Raw); err != nil {
			return BadRequest("Malformed payment intent.")
		}
		id, err := strconv.ParseUint(pi.Metadata["invoice_id"], 10, 64)
		if err != nil {
			s.logger(c).Warn("stripe payment without an invoice id", "payment_intent", pi.ID)
			break
		}
		inv, err := s.db.InvoiceByID(ctx, id)
		if err != nil {
			s.logger(c).Warn("stripe payment for an unknown invoice", "payment_intent", pi.ID, "invoice_id", id)
			break
		}
		if inv.ProviderRef != "" && inv.ProviderRef != pi.ID {
			s.logger(c).Warn("stripe payment intent does not match the invoice", "payment_intent", pi.ID, "invoice", inv.Number)
			break
		}
		if pi.Amount < inv.TotalCents {
			s.logger(c).Warn("stripe payment smaller than the invoice", "payment_intent", pi.ID, "invoice", inv.Number)
			break
		}
		if _, err := s.billing.MarkPaid(ctx, id, s.clock.Now(), "card payment "+pi.ID, pi.ID); err != nil {
			var be *billingErr
			if !errors.As(err, &be) {
				return err
			}
			s.logger(c).Info("stripe payment for an invoice that is not open", "invoice", inv.Number, "detail", be.msg)
		}
		if err := s.billing.SaveCard(ctx, inv, &pi); err != nil {
			return err
		}
	case "payment_intent.payment_failed":
		s.logger(c).Warn("stripe card payment failed", "event", ev.ID)
	default:
		s.logger(c).Debug("stripe event ignored", "type", ev.Type)
	}
	return sendJSON(c, fiber.StatusOK, fiber.Map{"received": true})
}
