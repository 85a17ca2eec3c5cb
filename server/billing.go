package server

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/policies"
)

// useBilling sets the billing service and the Content-Security-Policy that
// goes with it (Stripe.js allowed only when card payments are on).
func (s *Server) useBilling(b *Billing) {
	s.billing = b
	s.csp = []byte(contentSecurityPolicy)
	if b.stripe == nil {
		return
	}
	csp, err := paymentCSP(b.settings.Stripe.JSURL)
	if err != nil { // New refused it already; keep the strict policy
		s.log.Error("card payments: bad Stripe.js URL", "err", err)
		return
	}
	s.csp = []byte(csp)
}

// billingRoutes mounts /api/billing (see docs/billing-api.md).
func (s *Server) billingRoutes(api fiber.Router) {
	if s.billing == nil {
		s.useBilling(NewBilling(BillingDeps{DB: s.db, Clock: s.clock, Logger: s.log, Mailer: s.mailer, Plans: s.plans,
			Settings: s.cfg.Billing, BaseURL: s.cfg.BaseURL}))
	}
	g := api.Group("/billing")
	g.Get("/plans", s.billingPlans)
	g.Get("/workspace-plan", s.billingWorkspacePlan)
	g.Get("/details", s.billingDetailsGet)
	g.Put("/details", s.auditedBilling("details.update", "billing_details", s.billingDetailsPut))
	g.Get("/payment-methods", s.billingPaymentMethods)
	g.Get("/subscriptions", s.billingSubscriptionsList)
	g.Post("/subscriptions", s.auditedBilling("subscription.create", "subscription", s.billingSubscribe))
	g.Get("/subscriptions/:id", s.billingSubscriptionGet)
	g.Patch("/subscriptions/:id", s.auditedBilling("subscription.update", "subscription", s.billingSubscriptionPatch))
	g.Post("/subscriptions/:id/cancel", s.auditedBilling("subscription.cancel", "subscription", s.billingSubscriptionCancel))
	g.Post("/subscriptions/:id/renew", s.auditedBilling("subscription.renew", "subscription", s.billingSubscriptionRenew))
	g.Get("/invoices", s.billingInvoicesList)
	g.Get("/invoices/:id", s.billingInvoiceGet)
	g.Get("/invoices/:id/print", s.billingInvoicePrint)
	g.Patch("/invoices/:id", s.auditedBilling("invoice.update", "invoice", s.billingInvoicePatch))
	g.Post("/invoices/:id/pay", s.auditedBilling("invoice.pay", "invoice", s.billingInvoicePay))
	g.Post("/quotes", s.auditedBilling("quote.create", "invoice", s.billingQuote))
	g.Post("/admin/invoices/:id/record-payment", s.auditedBilling("payment.record", "invoice", s.billingAdminRecordPayment))
	g.Post("/admin/invoices/:id/refund", s.auditedBilling("refund", "invoice", s.billingAdminRefund))
	g.Post("/admin/subscriptions/:id/discount", s.auditedBilling("discount.grant", "subscription", s.billingAdminDiscount))
	g.Delete("/admin/subscriptions/:id/discount", s.auditedBilling("discount.remove", "subscription", s.billingAdminDiscountDelete))
	g.Post("/webhooks/stripe", s.billingStripeWebhook)
}

// Billing returns the billing service (the scheduled jobs share it).
func (s *Server) Billing() *Billing { return s.billing }

// billingError maps the service's refusals to the API's error shape.
func billingError(err error) error {
	var be *billingErr
	switch {
	case errors.As(err, &be):
		if be.status == 400 {
			if be.field == "" {
				return BadRequest("%s", be.msg)
			}
			return FieldError(be.field, "%s", be.msg)
		}
		return Errorf(be.status, "%s", be.msg)
	case errors.Is(err, models.ErrNotFound):
		return NotFound("Not found.")
	}
	return err
}

// billingAuth is the auth part of billing decisions: the workspace comes
// from the resource, so no organization context.
func billingAuth(u *models.User) policies.Auth {
	if u == nil {
		return policies.Auth{User: policies.AuthUser{Privilege: "none"}}
	}
	return authFor(u, nil, nil)
}

// workspaceResource is the policy's view of a workspace.
func (s *Server) workspaceResource(c *fiber.Ctx, me *models.User, ws models.Workspace) (map[string]any, error) {
	if ws.OrgID == 0 {
		return map[string]any{"workspace": map[string]any{"user": map[string]any{"id": ws.UserID}, "organization": nil}}, nil
	}
	org, err := s.db.OrganizationByID(c.UserContext(), ws.OrgID)
	if err != nil {
		return nil, err
	}
	var owner uint64
	if org.OwnerID != nil {
		owner = *org.OwnerID
	}
	var role any
	if me != nil {
		m, err := s.membershipOrNil(c, me.ID, org.ID)
		if err != nil {
			return nil, err
		}
		if m != nil && m.IsActive {
			role = m.Role
		}
	}
	return map[string]any{"workspace": map[string]any{"user": nil,
		"organization": map[string]any{"id": org.ID, "owner": map[string]any{"id": owner}, "user": map[string]any{"role": role}}}}, nil
}

// authorizeWorkspace asks the billing policy about scope on ws. An
// organization the caller may not even view is a 404.
func (s *Server) authorizeWorkspace(c *fiber.Ctx, me *models.User, ws models.Workspace, scope string) error {
	res, err := s.workspaceResource(c, me, ws)
	if errors.Is(err, models.ErrNotFound) {
		return NotFound("Not found.")
	}
	if err != nil {
		return err
	}
	return s.authorize(c, "billing", scope, billingAuth(me), res)
}

// workspaceParam reads ?organization_id= (absent: the caller's personal workspace).
func workspaceParam(c *fiber.Ctx, me *models.User) (models.Workspace, error) {
	ws := models.Workspace{UserID: me.ID}
	if v := c.Query("organization_id"); v != "" && v != "null" {
		id, err := strconv.ParseUint(v, 10, 64)
		if err != nil || id == 0 {
			return ws, FieldError("organization_id", "Expected an organization id, got %q.", v)
		}
		ws.OrgID = id
	}
	return ws, nil
}

// loadSubscription loads {id} and checks scope on its workspace; unseen = 404.
func (s *Server) loadSubscription(c *fiber.Ctx, me *models.User, scope string) (*models.Subscription, error) {
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil {
		return nil, NotFound("Not found.")
	}
	sub, err := s.db.SubscriptionByID(c.UserContext(), id)
	if err != nil {
		return nil, billingError(err)
	}
	if err := s.authorizeDoc(c, me, sub.UserID, sub.OrganizationID, scope); err != nil {
		return nil, err
	}
	return sub, nil
}

// authorizeDoc decides scope on a billing record of (user, org); a caller
// who may not view it gets a 404 rather than a 403.
func (s *Server) authorizeDoc(c *fiber.Ctx, me *models.User, userID, orgID *uint64, scope string) error {
	ws := models.Workspace{}
	if orgID != nil {
		ws.OrgID = *orgID
	} else if userID != nil {
		ws.UserID = *userID
	}
	var res map[string]any
	if ws.OrgID == 0 && ws.UserID == 0 {
		// The workspace is gone: only admins still see its records.
		res = map[string]any{"workspace": map[string]any{"user": map[string]any{"id": 0}, "organization": nil}}
	} else {
		var err error
		if res, err = s.workspaceResource(c, me, ws); errors.Is(err, models.ErrNotFound) {
			res = map[string]any{"workspace": map[string]any{"user": map[string]any{"id": 0}, "organization": nil}}
		} else if err != nil {
			return err
		}
	}
	if scope != "view" {
		if err := s.authorize(c, "billing", "view", billingAuth(me), res); err != nil {
			return NotFound("Not found.")
		}
	}
	if err := s.authorize(c, "billing", scope, billingAuth(me), res); err != nil {
		if scope == "view" {
			return NotFound("Not found.")
		}
		return err
	}
	return nil
}

// ---- plans ----

type planBody struct {
	models.Plan
	AnnualSavingPercent int `json:"annual_saving_percent"`
}

func (s *Server) planBodies() []planBody {
	plans := s.plans.Plans()
	out := make([]planBody, len(plans))
	for i, p := range plans {
		out[i] = planBody{Plan: p}
		if p.MonthlyCents > 0 {
			out[i].AnnualSavingPercent = int(100 - (p.AnnualCents*100+6*p.MonthlyCents)/(12*p.MonthlyCents))
		}
	}
	return out
}

func (s *Server) billingPlans(c *fiber.Ctx) error {
	if err := s.authorize(c, "billing", "plans:view", billingAuth(who(c).User), map[string]any{}); err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, fiber.Map{"currency": s.plans.Currency, "quote_min_annual_cents": models.QuoteMinimumCents,
		"plans": s.planBodies()})
}

func (s *Server) billingWorkspacePlan(c *fiber.Ctx) error {
	me, err := currentUser(c)
	if err != nil {
		return err
	}
	ws, err := workspaceParam(c, me)
	if err != nil {
		return err
	}
	if err := s.authorizeWorkspace(c, me, ws, "workspace:view"); err != nil {
		if ae := asAPIError(err); ae.Status == fiber.StatusForbidden {
			return NotFound("Not found.")
		}
		return err
	}
	st, err := models.WorkspacePlanState(c.UserContext(), s.db.DB, s.plans, ws, s.clock.Now())
	if err != nil {
		return err
	}
	var org any
	if ws.OrgID != 0 {
		org = ws.OrgID
	}
	return sendJSON(c, fiber.StatusOK, fiber.Map{"organization_id": org, "plan": st.Plan, "seats": st.Seats,
		"subscription_id": nullID(st.SubscriptionID), "cancelled": st.Cancelled, "cancelled_at": st.CancelledAt})
}

func nullID(id uint64) any {
	if id == 0 {
		return nil
	}
	return id
}

// ---- billing details ----

type detailsBody struct {
	OrganizationID *uint64    `json:"organization_id"`
	Phone          string     `json:"phone"`
	Address        string     `json:"address"`
	IsBusiness     bool       `json:"is_business"`
	BusinessName   string     `json:"business_name"`
	VATID          string     `json:"vat_id"`
	Complete       bool       `json:"complete"`
	UpdatedDate    *time.Time `json:"updated_date"`
}

func toDetailsBody(ws models.Workspace, d *models.BillingDetails) detailsBody {
	var b detailsBody
	if ws.OrgID != 0 {
		id := ws.OrgID
		b.OrganizationID = &id
	}
	if d != nil {
		b.Phone, b.Address, b.IsBusiness, b.BusinessName, b.VATID = d.Phone, d.Address, d.IsBusiness, d.BusinessName, d.VATID
		b.Complete = d.Complete()
		t := d.UpdatedAt
		b.UpdatedDate = &t
	}
	return b
}

func (s *Server) billingDetailsGet(c *fiber.Ctx) error {
	me, err := currentUser(c)
	if err != nil {
		return err
	}
	ws, err := workspaceParam(c, me)
	if err != nil {
		return err
	}
	if err := s.authorizeWorkspace(c, me, ws, "view"); err != nil {
		return err
	}
	d, err := models.BillingDetailsOf(s.db.WithContext(c.UserContext()), ws)
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, toDetailsBody(ws, d))
}

var (
	phonePattern = regexp.MustCompile(`^\+?[0-9 ()./-]{4,32}$`)
	vatPattern   = regexp.MustCompile(`^[A-Za-z0-9 -]{2,32}$`)
)

type detailsWrite struct {
	Phone        string `json:"phone"`
	Address      string `json:"address"`
	IsBusiness   bool   `json:"is_business"`
	BusinessName string `json:"business_name"`
	VATID        string `json:"vat_id"`
}

func (in *detailsWrite) validate() error {
	v := Validation{}
	in.Phone, in.Address = strings.TrimSpace(in.Phone), strings.TrimSpace(in.Address)
	in.BusinessName, in.VATID = strings.TrimSpace(in.BusinessName), strings.TrimSpace(in.VATID)
	switch {
	case in.Phone == "":
		v.Add("phone", "This field is required.")
	case utf8.RuneCountInString(in.Phone) > 32 || !phonePattern.MatchString(in.Phone):
		v.Add("phone", "Enter a phone number: digits, spaces and + - ( ) ., at most 32 characters.")
	}
	switch {
	case in.Address == "":
		v.Add("address", "This field is required.")
	case utf8.RuneCountInString(in.Address) > 1000:
		v.Add("address", "Ensure this field has no more than 1000 characters.")
	}
	if in.IsBusiness {
		switch {
		case in.BusinessName == "":
			v.Add("business_name", "Required when purchasing as a business.")
		case utf8.RuneCountInString(in.BusinessName) > 200:
			v.Add("business_name", "Ensure this field has no more than 200 characters.")
		}
		if in.VATID != "" && !vatPattern.MatchString(in.VATID) {
			v.Add("vat_id", "Enter a VAT id: letters, digits, spaces and -, at most 32 characters.")
		}
	} else {
		if in.BusinessName != "" {
			v.Add("business_name", "Only when purchasing as a business (is_business).")
		}
		if in.VATID != "" {
			v.Add("vat_id", "Only when purchasing as a business (is_business).")
		}
	}
	return v.Err()
}

func (s *Server) billingDetailsPut(c *fiber.Ctx) error {
	me, err := currentUser(c)
	if err != nil {
		return err
	}
	ws, err := workspaceParam(c, me)
	if err != nil {
		return err
	}
	var in detailsWrite
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.authorizeWorkspace(c, me, ws, "manage"); err != nil {
		return err
	}
	if err := in.validate(); err != nil {
		return err
	}
	d := &models.BillingDetails{Phone: in.Phone, Address: in.Address, IsBusiness: in.IsBusiness,
		BusinessName: in.BusinessName, VATID: strings.ToUpper(in.VATID)}
	if err := s.db.SaveBillingDetails(c.UserContext(), ws, d, s.clock.Now()); err != nil {
		return err
	}
	s.logger(c).Info("billing details saved", "user_id", me.ID, "organization_id", ws.OrgID)
	return sendJSON(c, fiber.StatusOK, toDetailsBody(ws, d))
}

// ---- payment methods ----

func (s *Server) billingPaymentMethods(c *fiber.Ctx) error {
	me, err := currentUser(c)
	if err != nil {
		return err
	}
	if err := s.authorize(c, "billing", "list", billingAuth(me), map[string]any{}); err != nil {
		return err
	}
	b := s.billing
	card := fiber.Map{"id": models.PayCard, "name": "Card", "provider": "stripe", "available": b.stripe != nil,
		"publishable_key": b.settings.Stripe.PublishableKey, "js_url": b.settings.Stripe.JSURL}
	if b.stripe == nil {
		card["publishable_key"], card["js_url"] = "", ""
	}
	return sendJSON(c, fiber.StatusOK, fiber.Map{"default": models.PayBankTransfer, "methods": []fiber.Map{
		{"id": models.PayBankTransfer, "name": "Invoice / bank transfer", "provider": "manual", "available": true,
			"note": "Pay the invoice by bank transfer. It stays pending until the payment arrives, which may take up to three banking days. " + b.settings.BankDetails},
		card,
	}})
}

// ---- small helpers ----

func (s *Server) validMethod(v Validation, method string) {
	switch method {
	case models.PayBankTransfer:
	case models.PayCard:
		if s.billing.stripe == nil {
			v.Add("payment_method", "Card payments are not configured on this server.")
		}
	default:
		v.Add("payment_method", "Choose bank_transfer or card.")
	}
}

func validPO(v Validation, po string, annualTotal int64) {
	if po == "" {
		return
	}
	if utf8.RuneCountInString(po) > 64 {
		v.Add("po_number", "Ensure this field has no more than 64 characters.")
	} else if annualTotal < models.QuoteMinimumCents {
		v.Add("po_number", "PO numbers are for annual totals of $396.00 or more.")
	}
}
