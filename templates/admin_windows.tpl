{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p><a href="/admin">Administration</a> › Change windows and freezes</p>
<h1>Change windows and freezes</h1>
<p class="help">A <strong>change window</strong> says when activities may start: for example weekdays 09:00–16:00
  Europe/Berlin. Where windows apply, an activity whose turn comes outside all of them waits, <em>Scheduled</em>,
  until one opens; where none applies, activities start at once. A <strong>freeze</strong> is a period in which every
  approval also needs a named emergency approver, and says so on its page. Both apply to every release, to the
  releases of one template, or to one environment (the phases of that name, such as <code>production</code>).</p>

<section class="card" aria-labelledby="freezes-title">
  <h2 id="freezes-title">Freezes</h2>
  {{#HAS_FREEZES}}
  <div class="table-wrap" tabindex="0">
  <table>
    <thead><tr><th scope="col">Applies to</th><th scope="col">From</th><th scope="col">Until</th><th scope="col">Reason</th>
      <th scope="col">Emergency approver</th><th scope="col">State</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
    <tbody>
    {{#FREEZE}}
    <tr id="freeze-{{ID}}"{{#PAST}} class="muted"{{/PAST}}>
      <td>{{SCOPE}}</td><td>{{STARTS}}</td><td>{{ENDS}}</td><td>{{REASON}}</td><td>{{APPROVER}}</td>
      <td>{{#IN_FORCE}}<span class="badge s-on_hold">{{STATE}}</span>{{/IN_FORCE}}{{#COMING}}<span class="badge s-pending">{{STATE}}</span>{{/COMING}}{{#PAST}}{{STATE}}{{/PAST}}</td>
      <td>{{#CAN_END}}<form method="post" action="/admin/freezes/{{ID}}/end" class="inline">
          <input type="hidden" name="csrf" value="{{CSRF}}">
          <button type="submit" class="link" data-confirm="End the freeze “{{REASON}}” now? Approvals that open from now on no longer need {{APPROVER}}.">End now</button>
        </form>{{/CAN_END}}</td>
    </tr>
    {{/FREEZE}}
    </tbody>
  </table>
  </div>
  {{/HAS_FREEZES}}
  {{#NO_FREEZES}}<p class="empty">No freeze is planned. Add one below for a holiday season, an audit or a migration weekend.</p>{{/NO_FREEZES}}
</section>

<section class="card" aria-labelledby="windows-title">
  <h2 id="windows-title">Change windows</h2>
  {{#HAS_WINDOWS}}
  <div class="table-wrap" tabindex="0">
  <table>
    <thead><tr><th scope="col">Applies to</th><th scope="col">When</th><th scope="col">Time zone</th><th scope="col">Label</th>
      <th scope="col">Now</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
    <tbody>
    {{#WINDOW}}
    <tr id="window-{{ID}}">
      <td>{{SCOPE}}</td><td><code>{{SPEC}}</code></td><td>{{ZONE}}</td><td>{{LABEL}}</td><td>{{NEXT}}</td>
      <td><form method="post" action="/admin/windows/{{ID}}/remove" class="inline">
          <input type="hidden" name="csrf" value="{{CSRF}}">
          <button type="submit" class="link" data-confirm="Remove the window {{SPEC}} ({{SCOPE}})? Activities it holds start when no other window holds them.">Remove</button>
        </form></td>
    </tr>
    {{/WINDOW}}
    </tbody>
  </table>
  </div>
  {{/HAS_WINDOWS}}
  {{#NO_WINDOWS}}<p class="empty">No change window: activities start as soon as their turn comes, at any hour.</p>{{/NO_WINDOWS}}
  {{#HAS_SCHEDULED}}
  <h3>Waiting for a window</h3>
  <ul class="plain">
    {{#SCHEDULED}}<li><a href="/activities/{{ACT_ID}}">{{ACT_NAME}}</a> of <a href="/releases/{{REL_ID}}">{{REL_NAME}}</a> — starts {{OPENS}}</li>{{/SCHEDULED}}
  </ul>
  {{/HAS_SCHEDULED}}
</section>

<div class="grid">
<section class="card" id="add-window" aria-labelledby="add-window-title">
  <h2 id="add-window-title">Add a change window</h2>
  {{#W_ERR}}<div class="alert" role="alert">
    <p>The window was not added. Some of what you entered needs fixing:</p>
    <ul>{{#ERRORS}}<li><a href="#{{FORM_PREFIX}}-{{FIELD}}">{{MESSAGE}}</a></li>{{/ERRORS}}</ul>
  </div>{{/W_ERR}}
  <form method="post" action="/admin/windows" novalidate>
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <fieldset class="field" id="w-scope_kind">
      <legend>Applies to</legend>
      <label><input type="radio" name="scope_kind" value="all"{{#W_SCOPE_ALL}} checked{{/W_SCOPE_ALL}}> every release</label>
      <label><input type="radio" name="scope_kind" value="template"{{#W_SCOPE_TEMPLATE}} checked{{/W_SCOPE_TEMPLATE}}> the releases of one template</label>
      <label><input type="radio" name="scope_kind" value="environment"{{#W_SCOPE_ENV}} checked{{/W_SCOPE_ENV}}> one environment</label>
      <p class="error">{{#W_ERR}}{{ERR_SCOPE_KIND}}{{/W_ERR}}</p>
    </fieldset>
    <div class="field">
      <label for="w-scope_name">Template or environment</label>
      <p class="help" id="w-scope_name-help">A template's name, or a phase name such as <code>production</code>. Not needed for every release.</p>
      <input id="w-scope_name" name="scope_name" value="{{W_SCOPE_NAME}}" maxlength="100" aria-describedby="w-scope_name-help w-scope_name-error">
      <p class="error" id="w-scope_name-error">{{#W_ERR}}{{ERR_SCOPE_NAME}}{{/W_ERR}}</p>
    </div>
    <div class="field">
      <label for="w-spec">Days and hours</label>
      <p class="help" id="w-spec-help"><code>mon-fri 09:00-16:00</code>, <code>mon,wed,fri 08:00-12:00</code>, <code>daily 22:00-02:00</code>
        (an end before the start runs past midnight). Hours are the time zone's own, summer time included.</p>
      <input id="w-spec" name="spec" value="{{W_SPEC}}" maxlength="64" required aria-describedby="w-spec-help w-spec-error">
      <p class="error" id="w-spec-error">{{#W_ERR}}{{ERR_SPEC}}{{/W_ERR}}</p>
    </div>
    <div class="field">
      <label for="w-time_zone">Time zone</label>
      <select id="w-time_zone" name="time_zone" aria-describedby="w-time_zone-error">
        <option value="UTC">UTC</option>
        {{#ZONE}}<option value="{{ZONE_NAME}}"{{#ZONE_SELECTED}} selected{{/ZONE_SELECTED}}>{{ZONE_NAME}}</option>{{/ZONE}}
      </select>
      <p class="error" id="w-time_zone-error">{{#W_ERR}}{{ERR_TIME_ZONE}}{{/W_ERR}}</p>
    </div>
    <div class="field">
      <label for="w-label">Label <span class="muted">(optional)</span></label>
      <input id="w-label" name="label" value="{{W_LABEL}}" maxlength="100" aria-describedby="w-label-error">
      <p class="error" id="w-label-error">{{#W_ERR}}{{ERR_LABEL}}{{/W_ERR}}</p>
    </div>
    <button type="submit" class="primary">Add window</button>
  </form>
</section>

<section class="card" id="add-freeze" aria-labelledby="add-freeze-title">
  <h2 id="add-freeze-title">Add a freeze</h2>
  {{#F_ERR}}<div class="alert" role="alert">
    <p>The freeze was not added. Some of what you entered needs fixing:</p>
    <ul>{{#ERRORS}}<li><a href="#{{FORM_PREFIX}}-{{FIELD}}">{{MESSAGE}}</a></li>{{/ERRORS}}</ul>
  </div>{{/F_ERR}}
  <form method="post" action="/admin/freezes" novalidate>
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <fieldset class="field" id="f-scope_kind">
      <legend>Applies to</legend>
      <label><input type="radio" name="scope_kind" value="all"{{#F_SCOPE_ALL}} checked{{/F_SCOPE_ALL}}> every release</label>
      <label><input type="radio" name="scope_kind" value="template"{{#F_SCOPE_TEMPLATE}} checked{{/F_SCOPE_TEMPLATE}}> the releases of one template</label>
      <label><input type="radio" name="scope_kind" value="environment"{{#F_SCOPE_ENV}} checked{{/F_SCOPE_ENV}}> one environment</label>
      <p class="error">{{#F_ERR}}{{ERR_SCOPE_KIND}}{{/F_ERR}}</p>
    </fieldset>
    <div class="field">
      <label for="f-scope_name">Template or environment</label>
      <input id="f-scope_name" name="scope_name" value="{{F_SCOPE_NAME}}" maxlength="100" aria-describedby="f-scope_name-error">
      <p class="error" id="f-scope_name-error">{{#F_ERR}}{{ERR_SCOPE_NAME}}{{/F_ERR}}</p>
    </div>
    <div class="field">
      <label for="f-starts">From</label>
      <input id="f-starts" name="starts" type="datetime-local" value="{{F_STARTS}}" required aria-describedby="f-starts-error">
      <p class="error" id="f-starts-error">{{#F_ERR}}{{ERR_STARTS}}{{/F_ERR}}</p>
    </div>
    <div class="field">
      <label for="f-ends">Until</label>
      <input id="f-ends" name="ends" type="datetime-local" value="{{F_ENDS}}" required aria-describedby="f-ends-error">
      <p class="error" id="f-ends-error">{{#F_ERR}}{{ERR_ENDS}}{{/F_ERR}}</p>
    </div>
    <div class="field">
      <label for="f-time_zone">In the time zone</label>
      <select id="f-time_zone" name="time_zone" aria-describedby="f-time_zone-error">
        <option value="UTC">UTC</option>
        {{#ZONE}}<option value="{{ZONE_NAME}}"{{#ZONE_SELECTED}} selected{{/ZONE_SELECTED}}>{{ZONE_NAME}}</option>{{/ZONE}}
      </select>
      <p class="error" id="f-time_zone-error">{{#F_ERR}}{{ERR_TIME_ZONE}}{{/F_ERR}}</p>
    </div>
    <div class="field">
      <label for="f-reason">Reason</label>
      <p class="help" id="f-reason-help">Shown on every approval it holds: “Year-end freeze: only emergency fixes”.</p>
      <textarea id="f-reason" name="reason" maxlength="500" rows="2" required aria-describedby="f-reason-help f-reason-error">{{F_REASON}}</textarea>
      <p class="error" id="f-reason-error">{{#F_ERR}}{{ERR_REASON}}{{/F_ERR}}</p>
    </div>
    <fieldset class="field" id="f-approver_kind">
      <legend>Emergency approver</legend>
      <p class="help">Approvals in the freeze need, besides their own rules, this many approvals of this person, team or role.</p>
      <label><input type="radio" name="approver_kind" value="team"{{#AK_TEAM}} checked{{/AK_TEAM}}> a team</label>
      <label><input type="radio" name="approver_kind" value="user"{{#AK_USER}} checked{{/AK_USER}}> a person (username)</label>
      <label><input type="radio" name="approver_kind" value="role"{{#AK_ROLE}} checked{{/AK_ROLE}}> a role</label>
    </fieldset>
    <div class="field">
      <label for="f-approver_name">Approver (username, team or role name)</label>
      <input id="f-approver_name" name="approver_name" value="{{F_APPROVER_NAME}}" maxlength="128" required aria-describedby="f-approver_name-error">
      <p class="error" id="f-approver_name-error">{{#F_ERR}}{{ERR_APPROVER_NAME}}{{/F_ERR}}</p>
    </div>
    <div class="field">
      <label for="f-approver_min">Approvals needed</label>
      <input id="f-approver_min" name="approver_min" type="number" min="1" max="100" value="{{F_APPROVER_MIN}}" aria-describedby="f-approver_min-error">
      <p class="error" id="f-approver_min-error">{{#F_ERR}}{{ERR_APPROVER_MIN}}{{/F_ERR}}</p>
    </div>
    <button type="submit" class="primary">Add freeze</button>
  </form>
</section>
</div>
{{>FOOTER}}
