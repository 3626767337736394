import { PageHeader } from "../../components/PageHeader.tsx";

export default function AuditScreen() {
  return <PageHeader title="AuditScreen" />;
}
