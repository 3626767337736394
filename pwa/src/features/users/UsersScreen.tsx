import type { UserView } from "../../../../server/contract/api.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { useLoad } from "../../components/use_load.ts";
import { useStores } from "../../state/stores.ts";
import { LoadState } from "../common/LoadState.tsx";
import { NewUserForm } from "./NewUserForm.tsx";
import { UserRow } from "./UserRow.tsx";

export default function UsersScreen() {
  const { api, session } = useStores();
  const loaded = useLoad(async () => (await api.users.list()).users);
  const users = loaded.data ?? [];
  const meId = session.me.value?.user.id;
  // The server decides what a change does (e.g. the last admin cannot be demoted): reload.
  const refresh = (_changed: UserView) => void loaded.reload();

  return (
    <section>
      <PageHeader
        title="Users"
        lead="The people who can sign in to this appliance, and what their role lets them do."
      />
      <NewUserForm onCreated={refresh} />
      <LoadState loaded={loaded} what="users" />
      {loaded.data && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Users</caption>
            <thead>
              <tr>
                <th scope="col">Username</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Last sign-in</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <UserRow key={u.id} user={u} isMe={u.id === meId} onChanged={refresh} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
