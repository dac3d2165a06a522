import { createHash } from "node:crypto";
import { FormDataParseError, MaxFileSizeExceededError, MaxTotalSizeExceededError, MultipartParseError, parseFormData } from "@remix-run/form-data-parser";
import { agentCheckFileUpload } from "#app/db/agent-api.server";
import { AppError } from "#app/domain/errors";
import { agentApi } from "#app/services/agent-plane/agent-api.server";
import { createTaskFile, safeFileName, taskDir } from "#app/services/agent-plane/task-files.server";
import type { Route } from "./+types/files";

// POST /api/agent/tasks/:taskId/files — multipart, field "file" (one file,
// at most UPLOAD_MAX_BYTES, 413 beyond), stored under FILES_DIR/<task>/.
function bind(args: Route.LoaderArgs | Route.ActionArgs) {
  return agentApi(args, {
    POST: async ({ rt, agent, taskId, log }) => {
      if (!/^multipart\/form-data\b/i.test(args.request.headers.get("content-type") ?? "")) {
        throw new AppError("unsupported_media_type", "Send the file as multipart/form-data in a field named file.");
      }
      // Only the task's own agent may write into its directory, and only
      // while its deliverables are open (not from review on, 409).
      const mayUpload = () => agentCheckFileUpload(rt.db, agent.id, taskId);
      await mayUpload();
      const dir = await taskDir(rt.env.filesDir, taskId!);
      const max = rt.env.UPLOAD_MAX_BYTES;
      const stored: Array<{ path: string; size: number; sha256: string }> = [];
      const cleanup: Array<() => Promise<void>> = [];
      const discardAll = () => Promise.all(cleanup.map((discard) => discard()));
      try {
        await parseFormData(args.request, { maxFiles: 1, maxFileSize: max, maxTotalSize: max + 64 * 1024, maxParts: 10 }, async (upload) => {
          if (upload.fieldName !== "file") return null;
          const target = await createTaskFile(dir, safeFileName(upload.name));
          cleanup.push(target.discard);
          const hash = createHash("sha256");
          let size = 0;
          try {
            for await (const chunk of upload.stream()) {
              size += chunk.byteLength;
              hash.update(chunk);
              await target.handle.write(chunk);
            }
          } finally {
            await target.handle.close();
          }
          stored.push({ path: target.name, size, sha256: hash.digest("hex") });
          return null;
        });
      } catch (error) {
        await discardAll();
        if (error instanceof MaxFileSizeExceededError || error instanceof MaxTotalSizeExceededError) {
          throw new AppError("payload_too_large", `Files are limited to ${max} bytes.`);
        }
        if (error instanceof FormDataParseError || error instanceof MultipartParseError) {
          throw new AppError("invalid", `The upload could not be read: ${error.message}`);
        }
        throw error;
      }
      const [file] = stored;
      if (!file) throw new AppError("invalid", 'Send exactly one file in a field named "file".');
      if (file.size === 0) {
        await discardAll();
        throw new AppError("invalid", "The file is empty.");
      }
      // Asked again once stored: the task may have gone to review meanwhile.
      await mayUpload().catch(async (error: unknown) => {
        await discardAll();
        throw error;
      });
      log.info({ event: "file.uploaded", path: file.path, size: file.size }, "agent uploaded a file");
      return Response.json(file, { status: 201 });
    },
  });
}

export const loader = bind;
export const action = bind;
// The methods the server entry lets through (405 with Allow for the rest).
export const handle = { methods: ["POST"] };
