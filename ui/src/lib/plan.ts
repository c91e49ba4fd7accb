import type { Section, Task } from './api';
import { matchesQuery } from './text';

/** The province's part in a task (`Task.provinceRole`, a plain string in the contract). */
export type ProvinceRole = 'lead' | 'coordinating' | 'not_involved';

export type RoleFilter = 'all' | ProvinceRole;

export const ROLE_FILTERS: readonly RoleFilter[] = ['all', 'lead', 'coordinating', 'not_involved'];

function isProvinceRole(value: string): value is ProvinceRole {
  return value === 'lead' || value === 'coordinating' || value === 'not_involved';
}

/** Kinds whose deadline is a real due date (others are ongoing/recurring/roadmap). */
const DATED_KINDS = new Set(['month', 'year']);

/** Overdue: a dated deadline strictly before today (both "yyyy-mm-dd"). */
export function isOverdue(task: Pick<Task, 'deadline' | 'deadlineKind'>, today: string): boolean {
  if (!task.deadline || !DATED_KINDS.has(task.deadlineKind)) return false;
  return task.deadline.slice(0, 10) < today;
}

export function taskMatches(task: Task, filter: RoleFilter, query: string): boolean {
  if (filter !== 'all' && task.provinceRole !== filter) return false;
  return matchesQuery(
    query,
    String(task.number),
    task.content,
    task.leadUnit,
    task.coordinatingUnits,
    task.deadlineText,
    task.product,
    task.target?.indicator,
  );
}

export function filterTasks(tasks: Task[], filter: RoleFilter, query: string): Task[] {
  return tasks.filter((t) => taskMatches(t, filter, query));
}

export function countByRole(tasks: Task[]): Record<RoleFilter, number> {
  const counts: Record<RoleFilter, number> = { all: tasks.length, lead: 0, coordinating: 0, not_involved: 0 };
  for (const t of tasks) if (isProvinceRole(t.provinceRole)) counts[t.provinceRole] += 1;
  return counts;
}

export type SectionGroup = { section: Section; tasks: Task[] };

/**
 * Group tasks under their sections in section order; sections without a
 * matching task are left out. Tasks whose section is unknown go to a
 * trailing group so nothing disappears silently.
 */
export function groupBySection(sections: Section[], tasks: Task[]): SectionGroup[] {
  const ordered = [...sections].sort((a, b) => a.number - b.number);
  const known = new Set(ordered.map((s) => s.number));
  const groups: SectionGroup[] = ordered
    .map((section) => ({
      section,
      tasks: tasks.filter((t) => t.section === section.number).sort((a, b) => a.number - b.number),
    }))
    .filter((g) => g.tasks.length > 0);
  const orphans = tasks.filter((t) => !known.has(t.section));
  if (orphans.length > 0) {
    groups.push({ section: { number: 0, title: '' }, tasks: orphans });
  }
  return groups;
}

/** "100%" / "5 đơn vị"; the number in Vietnamese style (1.234,5); no number: "". */
export function formatTarget(value: number | null, unit: string): string {
  if (value === null) return '';
  const n = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 2 }).format(value);
  if (unit === '%') return `${n}%`;
  return unit ? `${n} ${unit}` : n;
}
