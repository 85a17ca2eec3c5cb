import { useMemo, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Alert, Badge, Button, Card, Group, List, SegmentedControl, SimpleGrid, Stack, Switch, Text, Title } from '@mantine/core';
import { PageHeader } from '../components/PageHeader';
import { PageLoader } from '../components/PageLoader';
import { useLoader } from '../lib/useLoader';
import { useOrgs } from '../org/OrgContext';
import { billingApi } from './api';
import { annualSaving, formatMoney, monthlyShareOfAnnual } from './money';
import { TeamSetupModal } from './TeamSetupModal';
import type { BillingPeriod, Plan, PlanLimits } from './types';

const LIMIT_LINES: [keyof PlanLimits, string, string][] = [
  ['personal_projects', 'personal projects', 'personal project'],
  ['personal_tasks', 'personal tasks', 'personal task'],
  ['tasks_per_project', 'tasks per project', 'task per project'],
  ['owned_orgs', 'organizations you own', 'organization you own'],
  ['org_members', 'members per organization', 'member per organization'],
  ['org_projects', 'projects per organization', 'project per organization'],
  ['org_tasks', 'tasks per organization', 'task per organization'],
];

function limitText(n: number, many: string, one: string) {
  return n < 0 ? `Unlimited ${many}` : `${n} ${n === 1 ? one : many}`;
}

/** Where "Get started" goes for Solo (and, after the dialog, for Team). */
export function subscribePath(p: { plan: string; period: BillingPeriod; details: boolean; org?: string; seats?: number }): string {
  const q = new URLSearchParams({ plan: p.plan, period: p.period });
  if (p.details) q.set('details', '1');
  if (p.org) q.set('org', p.org);
  if (p.seats) q.set('seats', String(p.seats));
  return `/billing/subscribe?${q.toString()}`;
}

function PlanCard({ plan, period, currency, current, onStart }: { plan: Plan; period: BillingPeriod; currency: string; current: string | null; onStart: () => void }) {
  const free = plan.monthly_cents === 0 && plan.annual_cents === 0;
  const saving = annualSaving(plan.monthly_cents, plan.annual_cents);
  const unit = plan.per_seat ? ' per seat' : '';
  const headingId = `plan-${plan.id}-name`;
  return (
    <Card withBorder radius="lg" padding="lg" component="section" aria-labelledby={headingId} data-plan={plan.id}>
      <Stack gap="sm" h="100%">
        <Group justify="space-between" align="center">
          <Title order={2} fz="xl" id={headingId}>
            {plan.name}
          </Title>
          {plan.scope === 'organization' ? <Badge variant="light">Organizations</Badge> : plan.scope === 'personal' ? <Badge variant="light" color="grape">Personal</Badge> : null}
        </Group>
        {current ? (
          <Text size="sm" fw={600} data-current-plan>
            {`Current plan of ${current}`}
          </Text>
        ) : null}
        {plan.description ? (
          <Text size="sm" c="dimmed">
            {plan.description}
          </Text>
        ) : null}
        <div>
          {free ? (
            <Text fz={28} fw={700}>
              {formatMoney(0, { currency, whole: true })}
            </Text>
          ) : period === 'monthly' ? (
            <Text fz={28} fw={700}>
              {formatMoney(plan.monthly_cents, { currency, whole: true })}
              <Text span size="sm" fw={400} c="dimmed">
                {` a month${unit}`}
              </Text>
            </Text>
          ) : (
            <>
              <Text fz={28} fw={700}>
                {formatMoney(plan.annual_cents, { currency, whole: true })}
                <Text span size="sm" fw={400} c="dimmed">
                  {` a year${unit}`}
                </Text>
              </Text>
              <Text size="sm" c="dimmed">
                {`That is ${formatMoney(monthlyShareOfAnnual(plan.annual_cents), { currency })} a month${unit}.`}
              </Text>
              {saving.cents > 0 ? (
                <Text size="sm" fw={600} data-saving>
                  {`You save ${formatMoney(saving.cents, { currency, whole: true })} a year${unit} (${saving.percent}%).`}
                </Text>
              ) : null}
            </>
          )}
        </div>
        <List size="sm" spacing={4} style={{ flex: 1 }}>
          {(plan.scope === 'organization'
            ? LIMIT_LINES.filter(([k]) => k.startsWith('org_'))
            : plan.scope === 'personal'
              ? LIMIT_LINES.filter(([k]) => !k.startsWith('org_'))
              : LIMIT_LINES
          ).map(([k, many, one]) => (
            <List.Item key={k}>{limitText(plan.limits?.[k] ?? 0, many, one)}</List.Item>
          ))}
          {plan.per_seat ? <List.Item>The owner counts as a seat</List.Item> : null}
        </List>
        {free ? (
          <Button variant="default" component={Link} to="/projects" aria-label={`Get started with ${plan.name}`}>
            Get started
          </Button>
        ) : (
          <Button onClick={onStart} aria-label={`Get started with ${plan.name}`}>
            Get started
          </Button>
        )}
      </Stack>
    </Card>
  );
}

/** The plan catalog: Free, Solo and Team side by side, monthly or annual. */
export default function PlansPage() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [period, setPeriod] = useState<BillingPeriod>(params.get('period') === 'monthly' ? 'monthly' : 'annual');
  const [details, setDetails] = useState(false);
  const [teamPlan, setTeamPlan] = useState<Plan | null>(null);
  const { data, error, loading } = useLoader((signal) => billingApi.plans(signal), []);
  const { activeOrg } = useOrgs();
  const orgId = activeOrg?.id ?? null;
  // The plan of the active workspace, to mark its card; not essential, so a failure only hides the mark.
  const current = useLoader((signal) => billingApi.workspacePlan(orgId, signal).catch(() => null), [orgId]);
  const workspaceLabel = activeOrg ? activeOrg.slug : 'your personal workspace';

  const bestSaving = useMemo(
    () => Math.max(0, ...(data?.plans ?? []).map((p) => annualSaving(p.monthly_cents, p.annual_cents).percent)),
    [data],
  );

  const start = (plan: Plan) => {
    if (plan.scope === 'organization' || plan.per_seat) setTeamPlan(plan);
    else navigate(subscribePath({ plan: plan.id, period, details }));
  };

  return (
    <>
      <PageHeader title="Plans" description="Pick a plan for your personal workspace or for an organization. You can hold several subscriptions at once." />
      {error ? (
        <Alert color="red" role="alert" title="Could not load the plans">
          {error}
        </Alert>
      ) : loading && !data ? (
        <PageLoader label="Loading plans" />
      ) : data ? (
        <Stack gap="lg">
          <Group justify="space-between" align="flex-end" gap="md">
            <Stack gap={4}>
              <Text size="sm" fw={500} id="period-label">
                Billing period
              </Text>
              <SegmentedControl
                aria-labelledby="period-label"
                value={period}
                onChange={(v) => setPeriod(v as BillingPeriod)}
                data={[
                  { value: 'monthly', label: 'Monthly' },
                  { value: 'annual', label: bestSaving > 0 ? `Annual (save up to ${bestSaving}%)` : 'Annual' },
                ]}
              />
            </Stack>
            <Switch
              label="Put my address, phone number and VAT details on the invoices"
              checked={details}
              onChange={(e) => setDetails(e.currentTarget.checked)}
              maw={420}
            />
          </Group>
          {current.data?.cancelled ? (
            <Alert color="yellow" role="status" title="Subscription ended">
              {`The subscription of ${workspaceLabel} has ended, so the Free limits apply; where it holds more than they allow it is read-only until you remove the excess or subscribe again.`}
            </Alert>
          ) : null}
          <SimpleGrid cols={{ base: 1, md: 3 }} spacing="lg">
            {data.plans.map((p) => (
              <PlanCard
                key={p.id}
                plan={p}
                period={period}
                currency={data.currency}
                current={current.data?.plan.id === p.id ? workspaceLabel : null}
                onStart={() => start(p)}
              />
            ))}
          </SimpleGrid>
          <Text size="sm" c="dimmed">
            Need a quote or a purchase order number first? Both are available for annual subscriptions of{' '}
            {formatMoney(data.quote_min_annual_cents, { currency: data.currency, whole: true })} a year or more, on the payment page.
          </Text>
        </Stack>
      ) : null}
      {teamPlan && data ? (
        <TeamSetupModal
          plan={teamPlan}
          period={period}
          currency={data.currency}
          onClose={() => setTeamPlan(null)}
          onContinue={(org, seats) => navigate(subscribePath({ plan: teamPlan.id, period, details, org, seats }))}
        />
      ) : null}
    </>
  );
}
