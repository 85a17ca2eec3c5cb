import { useActiveOrg } from '../org/useActiveOrg';
import { useOrgs } from '../org/OrgContext';

/**
 * What a list of projects, tasks or jobs shows: the active workspace, or every
 * workspace when none was ever chosen (no X-Organization header, no filter).
 * `nameOf` turns an object's organization id into the workspace's name.
 */
export function useListScope(noun: string) {
  const [stored] = useActiveOrg();
  const { orgs } = useOrgs();
  const description =
    stored === null ? `${noun} in all your workspaces.` : stored ? `${noun} of the organization ${stored}.` : `${noun} of your personal workspace.`;
  const nameOf = (org: number | null) => (org === null ? 'Personal' : (orgs?.find((o) => o.id === org)?.slug ?? `#${org}`));
  return { key: stored, description, nameOf };
}
