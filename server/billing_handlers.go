package server

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"github.com/gatehouse/gatehouse/models"
)

type discountBody struct {
	Percent int       `json:"percent"`
	Until   time.Time `json:"until"`
}

type ownerBody struct {
	ID       uint64 `json:"id"`
	Username string `json:"username"`
}

type subscriptionBody struct {
	ID          uint64 `json:"id"`
	Plan        string `json:"plan"`
	PlanName    string `json:"plan_name"`
	Period      string `json:"period"`
	Quantity    int    `json:"quantity"`
	UnitCents   int64  `json:"unit_cents"`
	AmountCents int64  `json:"amount_cents"`
	Currency    string `json:"currency"`
	// CardOnFile: renewals are charged to the card saved at a card payment.
	CardOnFile         bool          `json:"card_on_file"`
	OrganizationID     *uint64       `json:"organization_id"`
	UserID             *uint64       `json:"user_id"`
	WorkspaceName      string        `json:"workspace_name"`
	Owner              *ownerBody    `json:"owner"`
	Status             string        `json:"status"`
	PaymentMethod      string        `json:"payment_method"`
	Provider           string        `json:"provider"`
	CurrentPeriodStart time.Time     `json:"current_period_start"`
	CurrentPeriodEnd   time.Time     `json:"current_period_end"`
	CancelAtPeriodEnd  bool          `json:"cancel_at_period_end"`
	CancelRequestedAt  *time.Time    `json:"cancel_requested_at"`
	CancelReason       string        `json:"cancel_reason"`
	CancelComment      string        `json:"cancel_comment"`
	EndedAt            *time.Time    `json:"ended_at"`
	CreditCents        int64         `json:"credit_cents"`
	Discount           *discountBody `json:"discount"`
	PONumber           string        `json:"po_number"`
	PastDueAt          *time.Time    `json:"past_due_at"`
	NoticeSentAt       *time.Time    `json:"notice_sent_at"`
	DeletionDueAt      *time.Time    `json:"deletion_due_at"`
	CleanupDoneAt      *time.Time    `json:"cleanup_done_at"`
	CreatedDate        time.Time     `json:"created_date"`
	UpdatedDate        time.Time     `json:"updated_date"`
}

func (s *Server) subscriptionBodies(c *fiber.Ctx, subs []models.Subscription) ([]subscriptionBody, error) {
	// Owners: the user (personal) or the organization's owner.
	var orgIDs, userIDs []uint64
	for _, sub := range subs {
		if sub.OrganizationID != nil {
			orgIDs = append(orgIDs, *sub.OrganizationID)
		} else if sub.UserID != nil {
			userIDs = append(userIDs, *sub.UserID)
		}
	}
	orgOwner := map[uint64]uint64{}
	if len(orgIDs) > 0 {
		var orgs []models.Organization
		if err := s.db.WithContext(c.UserContext()).Where("id IN ?", orgIDs).Find(&orgs).Error; err != nil {
			return nil, err
		}
		for _, o := range orgs {
			if o.OwnerID != nil {
				orgOwner[o.ID] = *o.OwnerID
				userIDs = append(userIDs, *o.OwnerID)
			}
		}
	}
	users, err := s.usersByID(c, userIDs)
	if err != nil {
		return nil, err
	}
	out := make([]subscriptionBody, len(subs))
	for i, sub := range subs {
		name := sub.PlanID
		if p, ok := s.plans.Plan(sub.PlanID); ok {
			name = p.Name
		}
		b := subscriptionBody{ID: sub.ID, Plan: sub.PlanID, PlanName: name, Period: sub.Period, Quantity: sub.Quantity,
			UnitCents: sub.UnitCents, AmountCents: sub.UnitCents * int64(sub.Quantity), Currency: sub.Currency,
			OrganizationID: sub.OrganizationID, UserID: sub.UserID, WorkspaceName: sub.WorkspaceName, Status: sub.Status,
			PaymentMethod: sub.PaymentMethod, Provider: sub.Provider, CurrentPeriodStart: sub.CurrentPeriodStart,
			CurrentPeriodEnd: sub.CurrentPeriodEnd, CancelAtPeriodEnd: sub.CancelAtPeriodEnd, CancelRequestedAt: sub.CancelRequestedAt,
			CancelReason: sub.CancelReason, CancelComment: sub.CancelComment, EndedAt: sub.EndedAt, CreditCents: sub.CreditCents,
			PONumber: sub.PONumber, PastDueAt: sub.PastDueAt, NoticeSentAt: sub.NoticeSentAt, CleanupDoneAt: sub.CleanupDoneAt,
			CreatedDate: sub.CreatedAt, UpdatedDate: sub.UpdatedAt,
			CardOnFile: sub.ProviderPaymentMethod != "" && sub.PaymentMethod == models.PayCard}
		if sub.NoticeSentAt != nil && sub.CleanupDoneAt == nil {
			d := sub.NoticeSentAt.Add(s.billing.settings.NoticePeriod)
			b.DeletionDueAt = &d
		}
		if sub.DiscountPercent > 0 && sub.DiscountUntil != nil {
			b.Discount = &discountBody{Percent: sub.DiscountPercent, Until: *sub.DiscountUntil}
		}
		var owner uint64
		if sub.OrganizationID != nil {
			owner = orgOwner[*sub.OrganizationID]
		} else if sub.UserID != nil {
			owner = *sub.UserID
		}
		if u := users[owner]; u != nil {
			b.Owner = &ownerBody{ID: u.ID, Username: u.Username}
		}
		out[i] = b
	}
	return out, nil
}

func (s *Server) subscriptionBody(c *fiber.Ctx, sub *models.Subscription) (subscriptionBody, error) {
	b, err := s.subscriptionBodies(c, []models.Subscription{*sub})
	if err != nil {
		return subscriptionBody{}, err
	}
	return b[0], nil
}

// sendSubscription answers with the subscription's body.
func (s *Server) sendSubscription(c *fiber.Ctx, status int, sub *models.Subscription) error {
	b, err := s.subscriptionBody(c, sub)
	if err != nil {
		return err
	}
	return sendJSON(c, status, b)
}

// sendInvoice answers with the invoice's (or quote's, credit note's) body.
func (s *Server) sendInvoice(c *fiber.Ctx, status int, inv *models.Invoice) error {
	b, err := s.invoiceBody(c, inv)
	if err != nil {
		return err
	}
	return sendJSON(c, status, b)
}

type refBody struct {
	ID     uint64 `json:"id"`
	Number string `json:"number"`
}

type invoiceBody struct {
	ID             uint64               `json:"id"`
	Number         string               `json:"number"`
	Kind           string               `json:"kind"`
	Status         string               `json:"status"`
	SubscriptionID *uint64              `json:"subscription_id"`
	OrganizationID *uint64              `json:"organization_id"`
	UserID         *uint64              `json:"user_id"`
	RefersTo       *refBody             `json:"refers_to"`
	Currency       string               `json:"currency"`
	BillTo         models.BillTo        `json:"bill_to"`
	Lines          []models.InvoiceLine `json:"lines"`
	SubtotalCents  int64                `json:"subtotal_cents"`
	DiscountCents  int64                `json:"discount_cents"`
	TaxRateBP      int                  `json:"tax_rate_bp"`
	TaxCents       int64                `json:"tax_cents"`
	CreditCents    int64                `json:"credit_cents"`
	TotalCents     int64                `json:"total_cents"`
	RefundedCents  int64                `json:"refunded_cents"`
	PONumber       string               `json:"po_number"`
	PaymentMethod  string               `json:"payment_method"`
	PaymentNote    string               `json:"payment_note"`
	PeriodStart    *time.Time           `json:"period_start"`
	PeriodEnd      *time.Time           `json:"period_end"`
	IssuedDate     time.Time            `json:"issued_date"`
	DueDate        *time.Time           `json:"due_date"`
	PaidDate       *time.Time           `json:"paid_date"`
	PrintURL       string               `json:"print_url"`
}

func (s *Server) invoiceBodies(c *fiber.Ctx, invs []models.Invoice) ([]invoiceBody, error) {
	var refIDs []uint64
	for _, inv := range invs {
		if inv.RefersToID != nil {
			refIDs = append(refIDs, *inv.RefersToID)
		}
	}
	refs := map[uint64]string{}
	if len(refIDs) > 0 {
		var rows []models.Invoice
		if err := s.db.WithContext(c.UserContext()).Select("id", "number").Where("id IN ?", refIDs).Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			refs[r.ID] = r.Number
		}
	}
	out := make([]invoiceBody, len(invs))
	for i, inv := range invs {
		b := invoiceBody{ID: inv.ID, Number: inv.Number, Kind: inv.Kind, Status: inv.Status, SubscriptionID: inv.SubscriptionID,
			OrganizationID: inv.OrganizationID, UserID: inv.UserID, Currency: inv.Currency, BillTo: inv.BillToInfo(),
			Lines: inv.LineItems(), SubtotalCents: inv.SubtotalCents, DiscountCents: inv.DiscountCents, TaxRateBP: inv.TaxRateBP,
			TaxCents: inv.TaxCents, CreditCents: inv.CreditCents, TotalCents: inv.TotalCents, RefundedCents: inv.RefundedCents,
			PONumber: inv.PONumber, PaymentMethod: inv.PaymentMethod, PaymentNote: inv.PaymentNote, PeriodStart: inv.PeriodStart,
			PeriodEnd: inv.PeriodEnd, IssuedDate: inv.IssuedAt, DueDate: inv.DueAt, PaidDate: inv.PaidAt,
			PrintURL: "/api/billing/invoices/" + strconv.FormatUint(inv.ID, 10) + "/print"}
		if inv.RefersToID != nil {
			b.RefersTo = &refBody{ID: *inv.RefersToID, Number: refs[*inv.RefersToID]}
		}
		out[i] = b
	}
	return out, nil
}

func (s *Server) invoiceBody(c *fiber.Ctx, inv *models.Invoice) (*invoiceBody, error) {
	if inv == nil {
		return nil, nil
	}
	b, err := s.invoiceBodies(c, []models.Invoice{*inv})
	if err != nil {
		return nil, err
	}
	return &b[0], nil
}

// ---- subscriptions ----

var billingSubSort = SortFields{"id": "billing_subscriptions.id", "created_date": "billing_subscriptions.created_at",
	"current_period_end": "billing_subscriptions.current_period_end"}

var billingSubColumns = map[string]string{
	"personal_user_id": "billing_subscriptions.organization_id IS NULL AND billing_subscriptions.user_id = ?",
	"org_owner_id":     "billing_subscriptions.organization_id IN (SELECT id FROM organizations WHERE owner_id = ?)",
}

// listFilters applies ?name=<id> and ?name=<text> equality filters.
func listFilters(c *fiber.Ctx, q *gorm.DB, table string, ids []string, texts []string) (*gorm.DB, error) {
	for _, f := range ids {
		if v := c.Query(f); v != "" {
			id, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return nil, FieldError(f, "Expected a number, got %q.", v)
			}
			q = q.Where(table+"."+f+" = ?", id)
		}
	}
	for _, f := range texts {
		if v := c.Query(f); v != "" {
			col := f
			if f == "plan" {
				col = "plan_id"
			}
			q = q.Where(table+"."+col+" = ?", v)
		}
	}
	return q, nil
}

func (s *Server) billingSubscriptionsList(c *fiber.Ctx) error {
	return billingList(s, c, billingListSpec[models.Subscription, subscriptionBody]{
		sort: billingSubSort, columns: billingSubColumns, table: "billing_subscriptions",
		idFilters: []string{"organization_id", "user_id"}, textFilters: []string{"status", "plan"},
		bodies: s.subscriptionBodies,
	})
}

// billingListSpec describes one billing list: its sort keys, the policy
// filter's columns, the table and query filters, and how rows become bodies.
type billingListSpec[T, B any] struct {
	sort                   SortFields
	columns                map[string]string
	table                  string
	idFilters, textFilters []string
	bodies                 func(*fiber.Ctx, []T) ([]B, error)
}

// billingList answers a page of T the caller may list: the billing policy
// decides whether they may list at all and filters the rows (their own
// workspaces; everything for an admin).
func billingList[T, B any](s *Server, c *fiber.Ctx, spec billingListSpec[T, B]) error {
	me, err := currentUser(c)
	if err != nil {
		return err
	}
	q, err := ParseListQuery(c, spec.sort, "-id")
	if err != nil {
		return err
	}
	a := billingAuth(me)
	if err := s.authorize(c, "billing", "list", a, map[string]any{}); err != nil {
		return err
	}
	f, err := s.listFilter(c, "billing", a)
	if err != nil {
		return err
	}
	var model T
	base, err := listFilters(c, s.db.WithContext(c.UserContext()).Model(&model), spec.table, spec.idFilters, spec.textFilters)
	if err != nil {
		return err
	}
	rows, total, err := models.ListPage[T](base, f, spec.columns, q.Apply)
	if err != nil {
		return err
	}
	bodies, err := spec.bodies(c, rows)
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, NewPage(c, s.cfg.BaseURL, q, total, bodies))
}

func (s *Server) billingSubscriptionGet(c *fiber.Ctx) error {
	me, err := currentUser(c)
	if err != nil {
		return err
	}
	sub, err := s.loadSubscription(c, me, "view")
	if err != nil {
		return err
	}
	return s.sendSubscription(c, fiber.StatusOK, sub)
}

type subscribeWrite struct {
	Plan              string  `json:"plan"`
	Period            string  `json:"period"`
	Quantity          *int    `json:"quantity"`
	OrganizationID    *uint64 `json:"organization_id"`
	PaymentMethod     string  `json:"payment_method"`
	AgreeRefundPolicy bool    `json:"agree_refund_policy"`
	PONumber          string  `json:"po_number"`
}

// subscriptionResult is the answer to subscribe, change and renew.
type subscriptionResult struct {
	Subscription subscriptionBody `json:"subscription"`
	Invoice      *invoiceBody     `json:"invoice"`
	Payment      *PaymentInfo     `json:"payment"`
}

func (s *Server) subscriptionResult(c *fiber.Ctx, status int, sub *models.Subscription, inv *models.Invoice) error {
	var pay *PaymentInfo
	if inv != nil && inv.Status == models.InvoiceOpen {
		var err error
		if pay, err = s.billing.StartPayment(c.UserContext(), inv, sub.PaymentMethod); err != nil {
			// The subscription and invoice exist; the client can retry /pay.
			s.logger(c).Error("could not start the payment", "invoice", inv.Number, "err", err)
			pay = nil
		}
	}
	sb, err := s.subscriptionBody(c, sub)
	if err != nil {
		return err
	}
	ib, err := s.invoiceBody(c, inv)
	if err != nil {
		return err
	}
	return sendJSON(c, status, subscriptionResult{Subscription: sb, Invoice: ib, Payment: pay})
}

func (s *Server) billingSubscribe(c *fiber.Ctx) error {
	me, err := currentUser(c)
	if err != nil {
		return err
	}
	var in subscribeWrite
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
	switch {
	case in.Plan == "":
		v.Add("plan", "This field is required.")
	case !ok || plan.IsFree():
		v.Add("plan", "Choose a paid plan of GET /api/billing/plans.")
	case plan.Scope == models.ScopePersonal && ws.OrgID != 0:
		v.Add("organization_id", "%s is a personal plan: leave organization_id out.", plan.Name)
	case plan.Scope == models.ScopeOrganization && ws.OrgID == 0:
		v.Add("organization_id", "%s is for an organization: give organization_id.", plan.Name)
	}
	if in.Period == "" {
		in.Period = models.PeriodMonthly
	}
	if in.Period != models.PeriodMonthly && in.Period != models.PeriodAnnual {
		v.Add("period", "Choose monthly or annual.")
	}
	qty := 0
	if in.Quantity != nil {
		qty = *in.Quantity
		if qty < 1 || qty > 100_000 {
			v.Add("quantity", "Enter a number of seats from 1.")
		} else if ok && !plan.PerSeat && qty != 1 {
			v.Add("quantity", "%s is not priced per seat: the quantity is 1.", plan.Name)
		}
	}
	if in.PaymentMethod == "" {
		in.PaymentMethod = models.PayBankTransfer
	}
	s.validMethod(v, in.PaymentMethod)
	if !in.AgreeRefundPolicy {
		v.Add("agree_refund_policy", "You must agree to the refund policy.")
	}
	in.PONumber = strings.TrimSpace(in.PONumber)
	if ok && in.PONumber != "" {
		units := int64(max(qty, 1))
		validPO(v, in.PONumber, plan.AnnualCents*units*boolInt(in.Period == models.PeriodAnnual))
	}
	if err := v.Err(); err != nil {
		return err
	}
	sub, inv, err := s.billing.Subscribe(c.UserContext(), SubscribeRequest{Plan: plan, Period: in.Period, Quantity: qty,
		Workspace: ws, PaymentMethod: in.PaymentMethod, PONumber: in.PONumber, CreatedBy: me.ID})
	if err != nil {
		return billingError(err)
	}
	return s.subscriptionResult(c, fiber.StatusCreated, sub, inv)
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

type subscriptionPatch struct {
	Quantity      *int    `json:"quantity"`
	Period        *string `json:"period"`
	PaymentMethod *string `json:"payment_method"`
	PONumber      *string `json:"po_number"`
}

func (s *Server) billingSubscriptionPatch(c *fiber.Ctx) error {
	var in subscriptionPatch
	_, sub, err := decodeAndLoad(c, &in, false, s.loadSubscription, "manage")
	if err != nil {
		return err
	}
	v := Validation{}
	if in.Quantity != nil && (*in.Quantity < 1 || *in.Quantity > 100_000) {
		v.Add("quantity", "Enter a number of seats from 1.")
	}
	if in.Period != nil && *in.Period != models.PeriodMonthly && *in.Period != models.PeriodAnnual {
		v.Add("period", "Choose monthly or annual.")
	}
	if in.PaymentMethod != nil {
		s.validMethod(v, *in.PaymentMethod)
	}
	if in.PONumber != nil {
		*in.PONumber = strings.TrimSpace(*in.PONumber)
		qty := sub.Quantity
		if in.Quantity != nil {
			qty = *in.Quantity
		}
		annual := sub.Period == models.PeriodAnnual || (in.Period != nil && *in.Period == models.PeriodAnnual)
		var total int64
		if p, ok := s.plans.Plan(sub.PlanID); ok && annual {
			total = p.AnnualCents * int64(qty)
		}
		validPO(v, *in.PONumber, total)
	}
	if err := v.Err(); err != nil {
		return err
	}
	sub, inv, err := s.billing.Change(c.UserContext(), sub.ID, ChangeRequest(in))
	if err != nil {
		return billingError(err)
	}
	return s.subscriptionResult(c, fiber.StatusOK, sub, inv)
}

var cancelReasons = []string{"too_expensive", "missing_features", "not_needed", "switching_plan", "technical_issues", "other"}

type cancelWrite struct {
	Reason  string `json:"reason"`
	Comment string `json:"comment"`
}

func (s *Server) billingSubscriptionCancel(c *fiber.Ctx) error {
	var in cancelWrite
	_, sub, err := decodeAndLoad(c, &in, false, s.loadSubscription, "manage")
	if err != nil {
		return err
	}
	v := Validation{}
	known := false
	for _, r := range cancelReasons {
		known = known || r == in.Reason
	}
	if !known {
		v.Add("reason", "Choose one of %s.", strings.Join(cancelReasons, ", "))
	}
	in.Comment = strings.TrimSpace(in.Comment)
	if utf8.RuneCountInString(in.Comment) > 2000 {
		v.Add("comment", "Ensure this field has no more than 2000 characters.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	sub, err = s.billing.Cancel(c.UserContext(), sub.ID, in.Reason, in.Comment)
	if err != nil {
		return billingError(err)
	}
	return s.sendSubscription(c, fiber.StatusOK, sub)
}

type renewWrite struct {
	PaymentMethod     string `json:"payment_method"`
	AgreeRefundPolicy bool   `json:"agree_refund_policy"`
}

func (s *Server) billingSubscriptionRenew(c *fiber.Ctx) error {
	var in renewWrite
	_, sub, err := decodeAndLoad(c, &in, true, s.loadSubscription, "manage")
	if err != nil {
		return err
	}
	v := Validation{}
	if in.PaymentMethod != "" {
		s.validMethod(v, in.PaymentMethod)
	}
	ended := sub.Status == models.SubCancelled || sub.EndsAt(s.clock.Now()) != nil
	if ended && !in.AgreeRefundPolicy {
		v.Add("agree_refund_policy", "You must agree to the refund policy.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	sub, inv, err := s.billing.Renew(c.UserContext(), sub.ID, in.PaymentMethod)
	if err != nil {
		return billingError(err)
	}
	return s.subscriptionResult(c, fiber.StatusOK, sub, inv)
}

// decodeAndLoad starts a billing action on the object of the path: the
// caller, the body decoded into in (an empty body allowed when optional),
// then the object loaded by load with scope checked on its workspace.
func decodeAndLoad[T any](c *fiber.Ctx, in any, optional bool, load func(*fiber.Ctx, *models.User, string) (*T, error), scope string) (*models.User, *T, error) {
	me, err := currentUser(c)
	if err != nil {
		return nil, nil, err
	}
	decode := DecodeJSON
	if optional {
		decode = DecodeOptionalJSON
	}
	if err := decode(c, in); err != nil {
		return nil, nil, err
	}
	obj, err := load(c, me, scope)
	if err != nil {
		return nil, nil, err
	}
	return me, obj, nil
}
