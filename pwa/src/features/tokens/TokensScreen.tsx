import { PageHeader } from "../../components/PageHeader.tsx";

export default function TokensScreen() {
  return <PageHeader title="TokensScreen" />;
}
