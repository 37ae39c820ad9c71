{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p><a href="/admin">Administration</a> › Teams</p>
<h1>Teams</h1>
{{#HAS_ERRORS}}<div class="alert" role="alert">
  <p>The team was not added. Some of what you entered needs fixing:</p>
  <ul>{{#ERRORS}}<li><a href="#{{FIELD}}">{{MESSAGE}}</a></li>{{/ERRORS}}</ul>
</div>{{/HAS_ERRORS}}
{{#MEMBER_ALERT}}<p class="alert" role="alert">Nobody was added to the team <a href="#member-{{ALERT_TEAM_ID}}">{{ALERT_TEAM}}</a>: {{ALERT_MESSAGE}}</p>{{/MEMBER_ALERT}}
{{#HAS_TEAMS}}
<datalist id="known-users">
  {{#KNOWN_USER}}<option value="{{KNOWN_USERNAME}}">{{KNOWN_NAME}}</option>{{/KNOWN_USER}}
</datalist>
{{#TEAM}}
<section class="card" id="team-{{TEAM_ID}}" aria-labelledby="team-{{TEAM_ID}}-title">
  <h2 id="team-{{TEAM_ID}}-title">{{TEAM_NAME}}</h2>
  <p class="muted">{{TEAM_DESCRIPTION}}</p>
  {{#HAS_MEMBERS}}
  <ul>
    {{#MEMBER}}
    <li><a href="/admin/users/{{MEMBER_ID}}">{{MEMBER_NAME}}</a> <span class="muted">({{MEMBER_USERNAME_SHOWN}})</span>
      {{#MEMBER_DISABLED}}<span class="badge s-aborted">Disabled</span>{{/MEMBER_DISABLED}}
      <form method="post" action="/admin/teams/{{TEAM_ID}}/members/{{MEMBER_ID}}/remove" class="inline">
        <input type="hidden" name="csrf" value="{{CSRF}}">
        <button type="submit" class="link" data-confirm="Remove {{MEMBER_USERNAME_SHOWN}} from the team {{TEAM_NAME}}?">Remove</button>
      </form>
    </li>
    {{/MEMBER}}
  </ul>
  {{/HAS_MEMBERS}}
  {{#NO_MEMBERS}}<p class="empty">No members yet.</p>{{/NO_MEMBERS}}
  <form method="post" action="/admin/teams/{{TEAM_ID}}/members" class="filters" novalidate>
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <div class="field">
      <label for="member-{{TEAM_ID}}">Add a member (username)</label>
      <input id="member-{{TEAM_ID}}" name="username" value="{{MEMBER_USERNAME}}" list="known-users" maxlength="64"
             autocomplete="off" required aria-describedby="member-{{TEAM_ID}}-error">
      <p class="error" id="member-{{TEAM_ID}}-error">{{ERR_MEMBER}}</p>
    </div>
    <button type="submit">Add member</button>
  </form>
</section>
{{/TEAM}}
{{/HAS_TEAMS}}
{{#NO_TEAMS}}<p class="empty">There are no teams yet. Add the first one below.</p>{{/NO_TEAMS}}

<section class="card" id="add-team" aria-labelledby="add-team-title">
  <h2 id="add-team-title">Add a team</h2>
  <form method="post" action="/admin/teams" novalidate>
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <div class="field">
      <label for="name">Name</label>
      <p class="help" id="name-help">Lower-case letters, digits, “.”, “_” or “-”, as approval rules will name it (e.g. sre).</p>
      <input id="name" name="name" value="{{NAME}}" maxlength="64" autocomplete="off" required
             aria-describedby="name-help name-error">
      <p class="error" id="name-error">{{ERR_NAME}}</p>
    </div>
    <div class="field">
      <label for="description">Description</label>
      <input id="description" name="description" value="{{DESCRIPTION}}" maxlength="500"
             aria-describedby="description-error">
      <p class="error" id="description-error">{{ERR_DESCRIPTION}}</p>
    </div>
    <button type="submit" class="primary">Add team</button>
  </form>
</section>
{{>FOOTER}}
