{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<nav class="crumbs" aria-label="Breadcrumb"><a href="/releases">Releases</a> <span aria-hidden="true">›</span> <span aria-current="page">Start a release</span></nav>
{{#CHOOSE}}
<h1>Start a release</h1>
{{#HAS_TEMPLATES}}
<form method="get" action="/releases/new" class="card narrow-form">
  <div class="field">
    <label for="template">Template</label>
    <p class="help" id="template-help">The release follows the latest version of the template you choose: its phases, approvals and tasks.</p>
    <select id="template" name="template" aria-describedby="template-help template-error">
      {{#OPTION}}<option value="{{T_NAME}}">{{T_NAME}} (v{{T_VERSION}}){{#T_DESCRIPTION}} — {{T_DESCRIPTION}}{{/T_DESCRIPTION}}</option>{{/OPTION}}
    </select>
    <p class="error" id="template-error">{{ERR_TEMPLATE}}</p>
  </div>
  <button type="submit" class="primary">Continue</button>
</form>
{{/HAS_TEMPLATES}}
{{#NO_TEMPLATES}}<p class="empty">There are no templates yet. <a href="/templates">Import one</a> first.</p>{{/NO_TEMPLATES}}
{{/CHOOSE}}
{{#FORM}}
<h1>Start a release of {{TEMPLATE}} <span class="version">v{{TEMPLATE_VERSION}}</span></h1>
{{/FORM}}
{{#ALERT}}<div class="alert" role="alert"><p>{{ALERT}}</p>
  {{#HAS_ERRORS}}<ul>{{#ERRORS}}<li><a href="#{{FIELD}}">{{MESSAGE}}</a></li>{{/ERRORS}}</ul>{{/HAS_ERRORS}}</div>{{/ALERT}}
{{#FORM}}
<div class="grid">
<form method="post" action="/releases" class="card" novalidate aria-labelledby="start-title">
  <h2 id="start-title">The release</h2>
  <input type="hidden" name="csrf" value="{{CSRF}}">
  <input type="hidden" name="template" value="{{TEMPLATE}}">
  <div class="field">
    <label for="name">Name</label>
    <p class="help" id="name-help">What is being released, for example the service's name.</p>
    <input id="name" name="name" value="{{NAME_VALUE}}" maxlength="200" required aria-describedby="name-help name-error">
    <p class="error" id="name-error">{{ERR_NAME}}</p>
  </div>
  <div class="field">
    <label for="version">Version <span class="muted">(optional)</span></label>
    <input id="version" name="version" value="{{VERSION_VALUE}}" maxlength="100" aria-describedby="version-error">
    <p class="error" id="version-error">{{ERR_VERSION}}</p>
  </div>
  <div class="field">
    <label for="artifact">Artifact <span class="muted">(optional)</span></label>
    <p class="help" id="artifact-help">What is shipped, for example registry.example/app:2.4.0 or a digest.</p>
    <input id="artifact" name="artifact" value="{{ARTIFACT_VALUE}}" maxlength="1000" aria-describedby="artifact-help artifact-error">
    <p class="error" id="artifact-error">{{ERR_ARTIFACT}}</p>
  </div>
  {{#VAR}}
  <div class="field{{#VAR_INVALID}} invalid{{/VAR_INVALID}}">
    <label for="{{VAR_FIELD}}">Variable “{{VAR_NAME}}”</label>
    <p class="help" id="{{VAR_FIELD}}-help">A variable of the template, used in its instructions and notifications.</p>
    <input id="{{VAR_FIELD}}" name="{{VAR_FIELD}}" value="{{VAR_VALUE}}" maxlength="4000" required
           aria-describedby="{{VAR_FIELD}}-help {{VAR_FIELD}}-error"{{#VAR_INVALID}} aria-invalid="true"{{/VAR_INVALID}}>
    <p class="error" id="{{VAR_FIELD}}-error">{{#VAR_ERROR}}{{VAR_ERROR}}{{/VAR_ERROR}}</p>
  </div>
  {{/VAR}}
  <p class="error" id="action-error">{{ERR_ACTION}}</p>
  <button type="submit" class="primary">Start the release</button>
</form>
{{/FORM}}
{{>OUTLINE}}
{{#FORM}}
</div>
{{/FORM}}
{{>FOOTER}}
