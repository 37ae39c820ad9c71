{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>Templates</h1>
<p class="lead">A template is what a team writes once and every release follows: phases, activities, who approves and how many.</p>
{{#HAS_TEMPLATES}}
<div class="table-wrap" tabindex="0">
<table>
  <thead><tr><th scope="col">Template</th><th scope="col">Latest</th><th scope="col" class="hide-sm">Description</th>
    <th scope="col">Releases</th><th scope="col" class="hide-sm">Updated</th></tr></thead>
  <tbody>
  {{#TEMPLATE}}
  <tr>
    <td><a href="/templates/{{ID}}"><strong>{{NAME}}</strong></a></td>
    <td>v{{VERSION}} <div class="muted small">{{VERSIONS}}</div></td>
    <td class="hide-sm">{{#DESCRIPTION}}{{DESCRIPTION}}{{/DESCRIPTION}}{{#NO_DESCRIPTION}}<span class="muted">—</span>{{/NO_DESCRIPTION}}</td>
    <td>{{RELEASES}}</td>
    <td class="hide-sm"><span title="{{UPDATED_UTC}}">{{UPDATED_AGO}}</span></td>
  </tr>
  {{/TEMPLATE}}
  </tbody>
</table>
</div>
{{/HAS_TEMPLATES}}
{{#NO_TEMPLATES}}<p class="empty">No templates yet.{{#UPLOAD}} Upload the first one below, or run <code>holdpoint template import FILE.yaml</code>.{{/UPLOAD}}</p>{{/NO_TEMPLATES}}

{{#UPLOAD}}
<section class="card" id="upload" aria-labelledby="upload-title">
  <h2 id="upload-title">Upload a template</h2>
  <p class="help">Paste the YAML. A template with a new name is created; an existing name gets a new version.
    Releases already started keep the version they were made from.</p>
  <form method="post" action="/templates#upload" novalidate>
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <div class="field{{#INVALID}} invalid{{/INVALID}}">
      <label for="yaml">Template YAML <span class="req" aria-hidden="true">*</span></label>
      <div class="error" id="yaml-error" role="alert">{{ERR_YAML}}{{#YAML_LINES}}<ul class="error-list">{{#YAML_ERROR}}<li>{{MESSAGE}}</li>{{/YAML_ERROR}}</ul>{{/YAML_LINES}}</div>
      <textarea id="yaml" name="yaml" class="code" rows="18" spellcheck="false" required
                aria-describedby="yaml-error yaml-help"{{#INVALID}} aria-invalid="true"{{/INVALID}}>
{{YAML:pre_escape}}</textarea>
      <p class="help" id="yaml-help">apiVersion: holdpoint/v1, kind: ReleaseTemplate — see the documentation for every key.</p>
    </div>
    <button type="submit" class="primary">Upload</button>
  </form>
</section>
{{/UPLOAD}}
{{>FOOTER}}
