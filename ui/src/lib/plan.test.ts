import { describe, expect, it } from 'vitest';
import type { Section, Task } from './api';
import { countByRole, filterTasks, formatTarget, groupBySection, isOverdue } from './plan';

function task(over: Partial<Task>): Task {
  return {
    number: 1,
    section: 1,
    numberInSource: true,
    content: 'Nội dung',
    leadUnit: 'Trung tâm CNTT',
    coordinatingUnits: 'BHXH các tỉnh',
    deadlineText: 'Năm 2024',
    deadlineKind: 'year',
    deadline: '2024-12-31',
    product: 'Sản phẩm',
    target: null,
    provinceRole: 'coordinating',
    hqChange: null,
    ...over,
  };
}

const sections: Section[] = [
  { number: 2, title: 'Hai' },
  { number: 1, title: 'Một' },
  { number: 3, title: 'Ba' },
];

const tasks: Task[] = [
  task({ number: 1, section: 1, content: 'Tổ chức Hội nghị toàn Ngành', provinceRole: 'coordinating' }),
  task({ number: 3, section: 2, content: 'Ứng dụng căn cước công dân', provinceRole: 'lead' }),
  task({ number: 2, section: 2, content: 'Đào tạo kỹ năng số', provinceRole: 'not_involved', leadUnit: 'Trường Đào tạo' }),
];

describe('isOverdue', () => {
  it('is true for dated deadlines before today', () => {
    expect(isOverdue(task({ deadline: '2024-02-29', deadlineKind: 'month' }), '2024-03-01')).toBe(true);
    expect(isOverdue(task({ deadline: '2024-12-31', deadlineKind: 'year' }), '2025-01-01')).toBe(true);
  });
  it('is false on or before the day', () => {
    expect(isOverdue(task({ deadline: '2024-02-29', deadlineKind: 'month' }), '2024-02-29')).toBe(false);
  });
  it('is false for ongoing, recurring and roadmap kinds or no date', () => {
    for (const kind of ['ongoing', 'recurring', 'roadmap'] as const) {
      expect(isOverdue(task({ deadline: '2024-01-31', deadlineKind: kind }), '2026-01-01')).toBe(false);
    }
    expect(isOverdue(task({ deadline: null }), '2026-01-01')).toBe(false);
  });
});

describe('filterTasks', () => {
  it('filters by the province role', () => {
    expect(filterTasks(tasks, 'all', '').length).toBe(3);
    expect(filterTasks(tasks, 'lead', '').map((t) => t.number)).toEqual([3]);
    expect(filterTasks(tasks, 'not_involved', '').map((t) => t.number)).toEqual([2]);
  });
  it('searches ignoring diacritics, including đ', () => {
    expect(filterTasks(tasks, 'all', 'can cuoc').map((t) => t.number)).toEqual([3]);
    expect(filterTasks(tasks, 'all', 'dao tao').map((t) => t.number)).toEqual([2]);
    expect(filterTasks(tasks, 'all', 'ĐÀO').map((t) => t.number)).toEqual([2]);
    expect(filterTasks(tasks, 'lead', 'dao tao')).toEqual([]);
  });
  it('counts roles', () => {
    expect(countByRole(tasks)).toEqual({ all: 3, lead: 1, coordinating: 1, not_involved: 1 });
  });
});

describe('groupBySection', () => {
  it('orders sections and tasks and drops empty sections', () => {
    const groups = groupBySection(sections, tasks);
    expect(groups.map((g) => g.section.number)).toEqual([1, 2]);
    expect(groups[1].tasks.map((t) => t.number)).toEqual([2, 3]);
  });
  it('keeps tasks of unknown sections', () => {
    const groups = groupBySection(sections, [task({ number: 9, section: 42 })]);
    expect(groups).toHaveLength(1);
    expect(groups[0].tasks[0].number).toBe(9);
  });
});

describe('formatTarget', () => {
  it('formats percentages and units', () => {
    expect(formatTarget(100, '%')).toBe('100%');
    expect(formatTarget(1234.5, 'hồ sơ')).toBe('1.234,5 hồ sơ');
    expect(formatTarget(null, '%')).toBe('');
  });
});
