import { apiRequest } from './client';
import type { BasicUser, Paginated } from './types';

/** Projects, tasks, jobs and cloud storages (SPEC §2–§3). */

export interface StorageLink {
  location: string;
  cloud_storage_id: number;
}

interface Owned {
  id: number;
  name: string;
  owner: BasicUser | null;
  assignee: BasicUser | null;
  organization: number | null;
  source_storage: StorageLink | null;
  target_storage: StorageLink | null;
  created_date: string;
  updated_date: string;
  /** Scopes the caller may use on the object; null on very long list pages. */
  allowed_actions: string[] | null;
}

export interface Project extends Owned {
  tasks: { count: number };
}

export interface Task extends Owned {
  project_id: number | null;
  jobs: { count: number; completed: number; validation: number };
}

export type JobStage = 'annotation' | 'validation' | 'acceptance';
export type JobState = 'new' | 'in progress' | 'completed' | 'rejected';
export const JOB_STAGES: JobStage[] = ['annotation', 'validation', 'acceptance'];
export const JOB_STATES: JobState[] = ['new', 'in progress', 'completed', 'rejected'];

export interface Job {
  id: number;
  task_id: number;
  project_id: number | null;
  assignee: BasicUser | null;
  stage: JobStage;
  state: JobState;
  type: string;
  organization: number | null;
  allowed_actions: string[] | null;
}

export interface CloudStorage {
  id: number;
  display_name: string;
  provider_type: string;
  resource: string;
  organization: number | null;
  allowed_actions: string[] | null;
}

export type StorageHandling = 'detach' | 'auto_match';

export interface ListQuery {
  page?: number;
  page_size?: number;
  search?: string;
  sort?: string;
  [filter: string]: string | number | undefined;
}

/** True when the server lists `action` among the object's allowed actions. */
export const can = (obj: { allowed_actions: string[] | null } | null | undefined, action: string) =>
  Boolean(obj?.allowed_actions?.includes(action));

/** True when a project or task is linked to a cloud storage. */
export const hasStorages = (obj: Pick<Owned, 'source_storage' | 'target_storage'>) =>
  Boolean(obj.source_storage || obj.target_storage);

function resource<T, C>(path: string) {
  return {
    list: (q: ListQuery = {}, signal?: AbortSignal) => apiRequest<Paginated<T>>(path, { query: q, signal }),
    get: (id: number, signal?: AbortSignal) => apiRequest<T>(`${path}/${id}`, { signal }),
    create: (body: C) => apiRequest<T>(path, { method: 'POST', body }),
    update: (id: number, body: Record<string, unknown>) => apiRequest<T>(`${path}/${id}`, { method: 'PATCH', body }),
    remove: (id: number) => apiRequest<void>(`${path}/${id}`, { method: 'DELETE' }),
  };
}

export const projectsApi = resource<Project, { name: string }>('/api/projects');
export const tasksApi = resource<Task, { name: string; project_id?: number | null; segment_count: number }>('/api/tasks');
export const jobsApi = resource<Job, never>('/api/jobs');
export const cloudStoragesApi = resource<CloudStorage, { display_name: string; provider_type: string; resource: string }>('/api/cloudstorages');

/**
 * Moves a project or task to another workspace (organization id, null =
 * personal). `handling` says what happens to linked cloud storages.
 */
export function transfer(kind: 'projects' | 'tasks', id: number, organizationId: number | null, handling?: StorageHandling) {
  const body: Record<string, unknown> = { organization_id: organizationId };
  if (handling) body.cloud_storage_handling = handling;
  // The object is judged in its own workspace: no organization filter on this call.
  return apiRequest<Project | Task>(`/api/${kind}/${id}`, { method: 'PATCH', body, noOrg: true });
}
