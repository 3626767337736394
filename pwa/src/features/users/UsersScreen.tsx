import { PageHeader } from "../../components/PageHeader.tsx";

export default function UsersScreen() {
  return <PageHeader title="UsersScreen" />;
}
