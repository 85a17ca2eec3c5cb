package server

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/gatehouse/gatehouse/models"
)

// Field limits of cloud storages (CVAT's).
const (
	maxDisplayNameLen = 63
	maxResourceLen    = 222
	maxSpecificLen    = 1024
	maxDescriptionLen = 4096
)

const defaultCredentials = "ANONYMOUS_ACCESS"

type cloudStorageBody struct {
	ID                 uint64         `json:"id"`
	DisplayName        string         `json:"display_name"`
	ProviderType       string         `json:"provider_type"`
	Resource           string         `json:"resource"`
	CredentialsType    string         `json:"credentials_type"`
	Description        string         `json:"description"`
	SpecificAttributes string         `json:"specific_attributes"`
	Manifests          []string       `json:"manifests"`
	Owner              *basicUserBody `json:"owner"`
	Organization       *uint64        `json:"organization"`
	CreatedDate        time.Time      `json:"created_date"`
	UpdatedDate        time.Time      `json:"updated_date"`
	// AllowedActions: see projectBody.
	AllowedActions []string `json:"allowed_actions"`
}

func cloudStorageResource(cs *models.CloudStorage) map[string]any {
	return map[string]any{"id": cs.ID, "owner": ref(cs.OwnerID), "organization": ref(cs.OrganizationID)}
}

func (s *Server) cloudStorageBodies(c *fiber.Ctx, w *workspaces, css []models.CloudStorage, actions bool) ([]cloudStorageBody, error) {
	var userIDs, orgIDs []uint64
	for _, cs := range css {
		userIDs = appendIDs(userIDs, cs.OwnerID)
		orgIDs = appendIDs(orgIDs, cs.OrganizationID)
	}
	users, err := s.usersByID(c, userIDs)
	if err != nil {
		return nil, err
	}
	if actions {
		if err := w.preload(orgIDs); err != nil {
			return nil, err
		}
	}
	out := make([]cloudStorageBody, len(css))
	for i := range css {
		cs := &css[i]
		out[i] = cloudStorageBody{ID: cs.ID, DisplayName: cs.DisplayName, ProviderType: cs.ProviderType, Resource: cs.Resource,
			CredentialsType: cs.CredentialsType, Description: cs.Description, SpecificAttributes: cs.SpecificAttributes,
			Manifests: []string{}, Owner: s.basicUser(userOf(users, cs.OwnerID)), Organization: cs.OrganizationID,
			CreatedDate: cs.CreatedAt, UpdatedDate: cs.UpdatedAt}
		if !actions {
			continue
		}
		auth, err := w.of(cs.OrganizationID)
		if err != nil {
			return nil, err
		}
		res, err := policyValue(cloudStorageResource(cs))
		if err != nil {
			return nil, err
		}
		if out[i].AllowedActions, err = s.allowedActions(c, "cloudstorages", auth, res); err != nil {
			return nil, err
		}
	}
	return out, nil
}

var cloudStorageSortFields = SortFields{"id": "cloud_storages.id", "display_name": "cloud_storages.display_name",
	"provider_type": "cloud_storages.provider_type", "resource": "cloud_storages.resource",
	"owner": "cloud_storages.owner_id", "created_date": "cloud_storages.created_at", "updated_date": "cloud_storages.updated_at"}

var cloudStorageFilters = map[string]fieldFilter{
	"id":               {cond: "cloud_storages.id = ?", number: true},
	"display_name":     {cond: "cloud_storages.display_name = ?"},
	"provider_type":    {cond: "cloud_storages.provider_type = ?"},
	"resource":         {cond: "cloud_storages.resource = ?"},
	"credentials_type": {cond: "cloud_storages.credentials_type = ?"},
	"owner":            userByName("cloud_storages.owner_id"),
}

func (s *Server) cloudStoragesList(c *fiber.Ctx) error {
	return workspaceList(s, c, workspaceListSpec[models.CloudStorage, cloudStorageBody]{
		resource: "cloudstorages", orgCol: "cloud_storages.organization_id", sort: cloudStorageSortFields, filters: cloudStorageFilters,
		columns: models.CloudStorageColumns, search: searchIn("cloud_storages.display_name", "cloud_storages.resource"), bodies: s.cloudStorageBodies,
	})
}

// cloudStorageWrite is the body of a create (required fields checked then)
// or an update. Gatehouse stores no credentials: only their kind.
type cloudStorageWrite struct {
	DisplayName        *string `json:"display_name"`
	ProviderType       *string `json:"provider_type"`
	Resource           *string `json:"resource"`
	CredentialsType    *string `json:"credentials_type"`
	Description        *string `json:"description"`
	SpecificAttributes *string `json:"specific_attributes"`
}

// apply validates the fields present and copies them into cs; it returns
// the columns that changed.
func (in *cloudStorageWrite) apply(v Validation, cs *models.CloudStorage, creating bool) map[string]any {
	changed := map[string]any{}
	text := func(field, column string, val *string, dst *string, limit int, required bool) {
		if val == nil {
			if creating && required {
				v.Add(field, "This field is required.")
			}
			return
		}
		t := strings.TrimSpace(*val)
		switch {
		case required && t == "":
			v.Add(field, "This field may not be blank.")
		case utf8.RuneCountInString(t) > limit:
			v.Add(field, "Ensure this field has no more than %d characters.", limit)
		case t != *dst:
			*dst = t
			changed[column] = t
		}
	}
	choice := func(field, column string, val *string, dst *string, choices []string) {
		if val == nil {
			if creating {
				v.Add(field, "This field is required.")
			}
			return
		}
		if !slices.Contains(choices, *val) {
			v.Add(field, "%q is not a valid choice: %s.", *val, strings.Join(choices, ", "))
			return
		}
		if *val != *dst {
			*dst = *val
			changed[column] = *val
		}
	}
	text("display_name", "display_name", in.DisplayName, &cs.DisplayName, maxDisplayNameLen, true)
	choice("provider_type", "provider_type", in.ProviderType, &cs.ProviderType, models.CloudProviders)
	text("resource", "resource", in.Resource, &cs.Resource, maxResourceLen, true)
	if creating && in.CredentialsType == nil {
		cs.CredentialsType = defaultCredentials
	} else if in.CredentialsType != nil {
		choice("credentials_type", "credentials_type", in.CredentialsType, &cs.CredentialsType, models.CloudCredentials)
	}
	text("description", "description", in.Description, &cs.Description, maxDescriptionLen, false)
	text("specific_attributes", "specific_attributes", in.SpecificAttributes, &cs.SpecificAttributes, maxSpecificLen, false)
	return changed
}

// cloudStoragesCreate records a cloud storage in the request's workspace,
// owned by the caller.
func (s *Server) cloudStoragesCreate(c *fiber.Ctx) error {
	me, err := currentUser(c)
	if err != nil {
		return err
	}
	sc, err := s.resolveOrg(c, me)
	if err != nil {
		return err
	}
	var in cloudStorageWrite
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	v := Validation{}
	cs := &models.CloudStorage{OwnerID: &me.ID, OrganizationID: requestWorkspace(sc)}
	in.apply(v, cs, true)
	if err := v.Err(); err != nil {
		return err
	}
	if err := s.authorize(c, "cloudstorages", "create", authFor(me, sc.Org, sc.Membership), nil); err != nil {
		return err
	}
	ws := orgWorkspace(cs.OrganizationID, me.ID)
	if err := s.withinLimits(c, limitWrite{scope: "create:cloudstorage", ws: ws, adding: map[string]int{storagesKey(ws): 1}},
		func(db *models.DB) error { return db.CreateCloudStorage(c.UserContext(), cs, s.clock.Now()) }); err != nil {
		return err
	}
	s.logger(c).Info("cloud storage created", "cloud_storage_id", cs.ID, "org_id", cs.OrganizationID, "by", me.ID)
	return s.sendCloudStorage(c, s.workspaces(c, me), cs, fiber.StatusCreated)
}

func (s *Server) sendCloudStorage(c *fiber.Ctx, w *workspaces, cs *models.CloudStorage, status int) error {
	bodies, err := s.cloudStorageBodies(c, w, []models.CloudStorage{*cs}, true)
	if err != nil {
		return err
	}
	return sendJSON(c, status, bodies[0])
}

// targetCloudStorage loads {id}.
func (s *Server) targetCloudStorage(c *fiber.Ctx) (*models.User, *workspaces, *models.CloudStorage, error) {
	me, err := currentUser(c)
	if err != nil {
		return nil, nil, nil, err
	}
	id, err := pathID(c)
	if err != nil {
		return nil, nil, nil, err
	}
	cs, err := s.db.CloudStorageByID(c.UserContext(), id)
	if err != nil {
		return nil, nil, nil, storeError(err)
	}
	return me, s.workspaces(c, me), cs, nil
}

func (s *Server) authorizeCloudStorage(c *fiber.Ctx, w *workspaces, cs *models.CloudStorage, scope string) error {
	return s.authorizeInWorkspace(c, w, "cloudstorages", cs.OrganizationID, cloudStorageResource(cs), scope)
}

func (s *Server) cloudStorageGet(c *fiber.Ctx) error {
	_, w, cs, err := s.targetCloudStorage(c)
	if err != nil {
		return err
	}
	if err := s.authorizeCloudStorage(c, w, cs, "view"); err != nil {
		return err
	}
	return s.sendCloudStorage(c, w, cs, fiber.StatusOK)
}

func (s *Server) cloudStoragePatch(c *fiber.Ctx) error {
	me, w, cs, err := s.targetCloudStorage(c)
	if err != nil {
		return err
	}
	var in cloudStorageWrite
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	v := Validation{}
	updated := *cs
	changed := in.apply(v, &updated, false)
	if err := v.Err(); err != nil {
		return err
	}
	scope := "update"
	if len(changed) == 0 {
		scope = "view"
	}
	if err := s.authorizeCloudStorage(c, w, cs, scope); err != nil {
		return err
	}
	if len(changed) > 0 {
		if err := s.checkWritable(c, objectWorkspace(cs.OrganizationID, cs.OwnerID, me.ID)); err != nil {
			return err
		}
		if err := s.db.UpdateCloudStorage(c.UserContext(), cs.ID, changed, s.clock.Now()); err != nil {
			return storeError(err)
		}
		s.logger(c).Info("cloud storage updated", "cloud_storage_id", cs.ID, "by", me.ID)
		if cs, err = s.db.CloudStorageByID(c.UserContext(), cs.ID); err != nil {
			return storeError(err)
		}
	}
	return s.sendCloudStorage(c, w, cs, fiber.StatusOK)
}

func (s *Server) cloudStorageDelete(c *fiber.Ctx) error {
	me, w, cs, err := s.targetCloudStorage(c)
	if err != nil {
		return err
	}
	if err := s.authorizeCloudStorage(c, w, cs, "delete"); err != nil {
		return err
	}
	if err := s.db.DeleteCloudStorage(c.UserContext(), cs.ID); err != nil {
		return storeError(err)
	}
	s.logger(c).Info("cloud storage deleted", "cloud_storage_id", cs.ID, "org_id", cs.OrganizationID, "by", me.ID)
	return c.SendStatus(fiber.StatusNoContent)
}
