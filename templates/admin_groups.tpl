{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p><a href="/admin">Administration</a> › Company sign-in</p>
<h1>Groups to teams and roles</h1>
{{#HAS_ERRORS}}<div class="alert" role="alert">
  <p>The mapping was not added. Some of what you entered needs fixing:</p>
  <ul>{{#ERRORS}}<li><a href="#{{FIELD}}">{{MESSAGE}}</a></li>{{/ERRORS}}</ul>
</div>{{/HAS_ERRORS}}
<p class="help">People who sign in through the company's provider or directory bring their groups. Each line below makes
  the people of a group members of a team, or gives them a role. A change here applies at once to everyone, from the groups they brought at their last sign-in; each
  sign-in (and the directory sync) reads their groups again{{#FILE}}; <code>{{FILE_PATH}}</code> is read when the
  server starts{{/FILE}}. A person who leaves a group loses the team or role — and their open approvals through it — at once. Teams and roles no line names are managed by hand.</p>
{{#NO_PROVIDER}}<p class="alert">No company provider is set up yet: the map is used once OpenID Connect or LDAP sign-in is configured (README, “Company sign-in”).</p>{{/NO_PROVIDER}}

<section class="card" aria-labelledby="map-title">
  <h2 id="map-title">The map</h2>
  {{#HAS_MAP}}
  <div class="table-wrap" tabindex="0">
  <table>
    <thead><tr><th scope="col">Group</th><th scope="col">Gives</th><th scope="col">Name</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
    <tbody>
    {{#MAP}}
    <tr>
      <td><code>{{GRP}}</code></td><td>{{KIND}}</td><td>{{TARGET_NAME}}</td>
      <td>{{#FROM_ADMIN}}<form method="post" action="/admin/groups/{{ID}}/remove" class="inline">
          <input type="hidden" name="csrf" value="{{CSRF}}">
          <button type="submit" class="link" data-confirm="Remove the mapping of {{GRP}}? Its people lose {{TARGET_NAME}} at their next sign-in.">Remove</button>
        </form>{{/FROM_ADMIN}}{{#FROM_FILE}}<span class="muted">from the file</span>{{/FROM_FILE}}</td>
    </tr>
    {{/MAP}}
    </tbody>
  </table>
  </div>
  {{/HAS_MAP}}
  {{#NO_MAP}}<p class="empty">No group is mapped yet: people who sign in through the provider get no team and no role until an administrator gives them one.</p>{{/NO_MAP}}
</section>

<section class="card" id="add-map" aria-labelledby="add-title">
  <h2 id="add-title">Map a group</h2>
  <form method="post" action="/admin/groups" novalidate>
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <div class="field">
      <label for="group">Group</label>
      <p class="help" id="group-help">As the provider sends it: a name (<code>release-approvers</code>) or an LDAP DN
        (<code>cn=sre,ou=groups,dc=example,dc=com</code>). Case does not matter.</p>
      <input id="group" name="group" value="{{GROUP}}" maxlength="256" list="seen-groups" required aria-describedby="group-help group-error">
      <datalist id="seen-groups">{{#SEEN}}<option value="{{SEEN_GROUP}}">{{SEEN_PEOPLE}} people</option>{{/SEEN}}</datalist>
      <p class="error" id="group-error">{{ERR_GROUP}}</p>
    </div>
    <fieldset class="field">
      <legend>Gives</legend>
      <label><input type="radio" name="kind" value="team"{{#KIND_TEAM}} checked{{/KIND_TEAM}}> membership of a team</label>
      <label><input type="radio" name="kind" value="role"{{#KIND_ROLE}} checked{{/KIND_ROLE}}> a role</label>
      <p class="error" id="kind-error">{{ERR_KIND}}</p>
    </fieldset>
    <div class="field">
      <label for="target">Team or role</label>
      <p class="help" id="target-help">The name of a team (add it on <a href="/admin/teams">Teams</a> first), or a role: {{#ROLE}}<code>{{ROLE_NAME}}</code> ({{ROLE_LABEL}}) {{/ROLE}}</p>
      <input id="target" name="target" value="{{TARGET}}" maxlength="64" required aria-describedby="target-help target-error">
      <p class="error" id="target-error">{{ERR_TARGET}}</p>
    </div>
    <button type="submit" class="primary">Add mapping</button>
  </form>
</section>
{{>FOOTER}}
