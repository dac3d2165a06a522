import { listTasks } from "#app/db/tasks.server";
import type { Database } from "#app/db/types";
import { LIST_PAGE, type BoardQuery, listSort, sqlFilter } from "#app/domain/board-query";

/**
 * One page of a workspace's tasks for a board query: the board's filters, the
 * list view's sort and paging. The board's list view and the operator API read it.
 */
export async function listTasksPage(db: Database, workspaceId: string, query: BoardQuery, timeZone: string) {
  const { sort, dir } = listSort(query);
  const page = query.page ?? 1;
  const list = await listTasks(db, workspaceId, { filter: sqlFilter(query, timeZone), sort, dir, limit: LIST_PAGE, offset: (page - 1) * LIST_PAGE });
  return { list, page, sort, dir };
}
