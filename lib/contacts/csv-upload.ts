import { readBytesLimited } from "../http/body";
import { ApiError } from "../http/errors";
import { IMPORT_MAX_BYTES } from "./csv-import";

/** Room for the multipart envelope around a file of the maximum size. */
const MULTIPART_OVERHEAD = 64 * 1024;

const tooLarge = () =>
  new ApiError(413, "payload_too_large", "The file is larger than 5 MB; split it into smaller files.", { max_bytes: IMPORT_MAX_BYTES });

/**
 * The CSV bytes of an import request: a multipart form with a `file` field (what a browser
 * form sends) or the CSV itself as the body (text/csv, for scripts and curl --data-binary).
 */
export async function readCsvUpload(req: Request): Promise<Uint8Array> {
  const type = (req.headers.get("content-type") ?? "").toLowerCase();
  if (type.startsWith("multipart/form-data")) {
    const bytes = await readBytesLimited(req, IMPORT_MAX_BYTES + MULTIPART_OVERHEAD).catch((err) => {
      throw err instanceof ApiError && err.status === 413 ? tooLarge() : err;
    });
    let form: FormData;
    try {
      form = await new Response(bytes as BodyInit, { headers: { "content-type": req.headers.get("content-type")! } }).formData();
    } catch {
      throw new ApiError(400, "invalid_upload", "The upload could not be read as a form; send the CSV in a field named 'file'.");
    }
    const file = form.get("file");
    if (!file || typeof file === "string") throw new ApiError(400, "missing_file", "Choose a CSV file to import (form field 'file').");
    if (file.size > IMPORT_MAX_BYTES) throw tooLarge();
    if (file.size === 0) throw new ApiError(400, "invalid_csv", "The file is empty.");
    return new Uint8Array(await file.arrayBuffer());
  }
  if (type === "" || type.startsWith("text/csv") || type.startsWith("text/plain") || type.startsWith("application/csv") || type.startsWith("application/octet-stream")) {
    const bytes = await readBytesLimited(req, IMPORT_MAX_BYTES).catch((err) => {
      throw err instanceof ApiError && err.status === 413 ? tooLarge() : err;
    });
    if (bytes.byteLength === 0) throw new ApiError(400, "invalid_csv", "The file is empty.");
    return bytes;
  }
  throw new ApiError(415, "unsupported_media_type", "Send the CSV as multipart/form-data (field 'file') or as a text/csv body.");
}
