{{%AUTOESCAPE context="HTML"}}{{! The fields of an activity: filled by activity_view_fields (activity_view.c).
    When they are editable they stand inside the activity's one form (activity.tpl, ONE_FORM):
    fields, files and the decision go in one submit. }}
<section class="card" id="fields" aria-labelledby="fields-title">
  <h2 id="fields-title">Information <span class="muted">· round {{ROUND}}</span></h2>
  {{#HAS_ERRORS}}<div class="alert" role="alert">
    <p>Some of what you entered needs fixing:</p>
    <ul>{{#ERRORS}}<li><a href="#{{FIELD}}">{{MESSAGE}}</a></li>{{/ERRORS}}</ul>
  </div>{{/HAS_ERRORS}}
  {{#EDITABLE}}<p class="help">Fields marked <span class="req">*</span> are required before a decision can be recorded.</p>{{/EDITABLE}}
  {{#READONLY}}<p class="help">Only the people who may act on this activity can change these, and only while it is on hold.</p>{{/READONLY}}

  {{#VALUE_FORM}}
    {{#FIELD}}
    <div class="field{{#INVALID}} invalid{{/INVALID}}{{#CHECKBOX}} check{{/CHECKBOX}}">
      {{#CHECKBOX}}
      <input type="checkbox" id="{{NAME}}" name="{{NAME}}" value="on"{{#CHECKED}} checked{{/CHECKED}}{{#REQUIRED}} required aria-required="true"{{/REQUIRED}}{{#INVALID}} aria-invalid="true"{{/INVALID}}
             aria-describedby="{{NAME}}-help {{NAME}}-error">
      <label for="{{NAME}}">{{LABEL}}{{#REQUIRED}} <span class="req" title="required">*</span>{{/REQUIRED}}</label>
      {{/CHECKBOX}}
      {{#TEXT}}<label for="{{NAME}}">{{LABEL}}{{#REQUIRED}} <span class="req" title="required">*</span>{{/REQUIRED}}</label>
      {{#HELP}}<p class="help" id="{{NAME}}-help">{{HELP}}</p>{{/HELP}}
      <input type="text" id="{{NAME}}" name="{{NAME}}" value="{{VALUE}}" maxlength="{{MAXLENGTH}}"{{#REQUIRED}} required aria-required="true"{{/REQUIRED}}{{#INVALID}} aria-invalid="true"{{/INVALID}}
             aria-describedby="{{NAME}}-help {{NAME}}-error">{{/TEXT}}
      {{#TEXTAREA}}<label for="{{NAME}}">{{LABEL}}{{#REQUIRED}} <span class="req" title="required">*</span>{{/REQUIRED}}</label>
      {{#HELP}}<p class="help" id="{{NAME}}-help">{{HELP}}</p>{{/HELP}}
      <textarea id="{{NAME}}" name="{{NAME}}" rows="5" maxlength="{{MAXLENGTH}}"{{#REQUIRED}} required aria-required="true"{{/REQUIRED}}{{#INVALID}} aria-invalid="true"{{/INVALID}}
                aria-describedby="{{NAME}}-help {{NAME}}-error">{{VALUE}}</textarea>{{/TEXTAREA}}
      {{#NUMBER}}<label for="{{NAME}}">{{LABEL}}{{#REQUIRED}} <span class="req" title="required">*</span>{{/REQUIRED}}</label>
      {{#HELP}}<p class="help" id="{{NAME}}-help">{{HELP}}</p>{{/HELP}}
      <input type="text" inputmode="decimal" id="{{NAME}}" name="{{NAME}}" value="{{VALUE}}"{{#MIN}} data-min="{{MIN}}"{{/MIN}}{{#MAX}} data-max="{{MAX}}"{{/MAX}}{{#REQUIRED}} required aria-required="true"{{/REQUIRED}}{{#INVALID}} aria-invalid="true"{{/INVALID}}
             aria-describedby="{{NAME}}-help {{NAME}}-error">{{/NUMBER}}
      {{#SELECT}}<label for="{{NAME}}">{{LABEL}}{{#REQUIRED}} <span class="req" title="required">*</span>{{/REQUIRED}}</label>
      {{#HELP}}<p class="help" id="{{NAME}}-help">{{HELP}}</p>{{/HELP}}
      <select id="{{NAME}}" name="{{NAME}}"{{#REQUIRED}} required aria-required="true"{{/REQUIRED}}{{#INVALID}} aria-invalid="true"{{/INVALID}}
              aria-describedby="{{NAME}}-help {{NAME}}-error">
        <option value=""{{#NONE_SELECTED}} selected{{/NONE_SELECTED}}>Choose…</option>
        {{#OPTION}}<option value="{{OPTION}}"{{#SELECTED}} selected{{/SELECTED}}>{{OPTION}}</option>{{/OPTION}}
      </select>{{/SELECT}}
      {{#CHECKBOX}}{{#HELP}}<p class="help" id="{{NAME}}-help">{{HELP}}</p>{{/HELP}}{{/CHECKBOX}}
      <p class="error" id="{{NAME}}-error">{{#ERROR}}{{ERROR}}{{/ERROR}}</p>
    </div>
    {{/FIELD}}
  {{/VALUE_FORM}}

  {{#VALUE_LIST}}
  <dl class="facts">
    {{#VALUE_FIELD}}<dt>{{LABEL}}</dt><dd>{{SHOWN}}{{#NO_VALUE}}<span class="muted">not given</span>{{/NO_VALUE}}</dd>{{/VALUE_FIELD}}
  </dl>
  {{/VALUE_LIST}}

  {{#FILE_FIELD}}
  <div class="field{{#ERROR}} invalid{{/ERROR}}" id="{{NAME}}-files">
    <h3>{{LABEL}}{{#REQUIRED}} <span class="req" title="required">*</span>{{/REQUIRED}}</h3>
    {{#HELP}}<p class="help">{{HELP}}</p>{{/HELP}}
    <p class="help" id="{{NAME}}-accept">Accepted: {{ACCEPT_TEXT}}. Files are checked by their content.</p>
    {{#HAS_FILES}}<ul class="files">
      {{#FILE}}<li><a href="/evidence/{{FILE_ID}}">{{FILE_NAME}}</a> <span class="muted">{{FILE_TYPE}}, {{FILE_SIZE}}, by {{FILE_WHO}}, <time datetime="{{FILE_ISO}}">{{FILE_UTC}}</time></span></li>{{/FILE}}
    </ul>{{/HAS_FILES}}
    {{#NO_FILES}}<p class="empty">No file attached yet.</p>{{/NO_FILES}}
    {{#FILES_HIDDEN}}<p class="muted">{{COUNT}} file(s) attached. {{WHO}}</p>{{/FILES_HIDDEN}}
    {{#UPLOAD}}
    <div class="upload" data-upload-field="{{KEY}}">
      <label for="{{NAME}}">{{LABEL}}: choose a file</label>
      <input type="file" id="{{NAME}}" name="{{NAME}}" accept="{{ACCEPT_ATTR}}"{{#INVALID}} aria-invalid="true"{{/INVALID}}
             aria-describedby="{{NAME}}-accept {{NAME}}-error">
      <progress max="100" value="0" hidden aria-label="Uploading to {{LABEL}}"></progress>
      <p class="help upload-status" role="status" aria-live="polite"></p>
    </div>
    {{/UPLOAD}}
    <p class="error" id="{{NAME}}-error">{{#ERROR}}{{ERROR}}{{/ERROR}}</p>
  </div>
  {{/FILE_FIELD}}
  {{#SAVE}}<div class="actions save-row">
    <button type="submit" name="decision" value="save">Save without deciding</button>
    <span class="help">Keeps what you entered and the files you chose; nothing is decided.</span>
  </div>{{/SAVE}}
</section>
