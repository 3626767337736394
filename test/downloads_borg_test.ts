import { downloadCases } from "./downloads_cases.ts";

downloadCases("borg");
