; Inno Setup script for the Windows installer: Start-menu entry, uninstaller, optional .glb/.gltf association.
; Build after PyInstaller (dist\Meshwright\); the version comes from pyproject.toml through the command line:
;   iscc /DAppVersion=0.1.0 packaging\windows\meshwright.iss      (CI: .github/workflows/package.yml)
; Output: dist\Meshwright-<version>-windows-setup.exe. Per-user install by default (no administrator needed).
; The folder holds two programs: Meshwright.exe (the app, no console) and meshwright-cli.exe (the same app as a
; console program, for the command line); an optional task puts the folder on the user's PATH.
; Signing: add a SignTool line (Inno's [Setup] SignTool=...) once a code-signing certificate exists; unsigned
; installers show a SmartScreen "unrecognised app" warning (README, Install).

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z meshwright.iss
#endif

[Setup]
AppId={{6E0C4F7B-3B4A-4D43-9B6E-2F6C7D0A9E11}
AppName=Meshwright
AppVersion={#AppVersion}
AppVerName=Meshwright {#AppVersion}
AppPublisher=Meshwright
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\Meshwright
DefaultGroupName=Meshwright
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=Meshwright-{#AppVersion}-windows-setup
SetupIconFile=..\..\resources\icons\meshwright.ico
UninstallDisplayIcon={app}\Meshwright.exe
UninstallDisplayName=Meshwright
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes
ChangesEnvironment=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "associate"; Description: "Open .glb and .gltf 3D models with Meshwright"; GroupDescription: "File types:"
Name: "addtopath"; Description: "Add meshwright-cli (the command line) to my PATH"; GroupDescription: "Command line:"; Flags: unchecked

[Files]
Source: "..\..\dist\Meshwright\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Meshwright"; Filename: "{app}\Meshwright.exe"
Name: "{group}\Uninstall Meshwright"; Filename: "{uninstallexe}"
Name: "{autodesktop}\Meshwright"; Filename: "{app}\Meshwright.exe"; Tasks: desktopicon

[Registry]
; HKA = HKLM for an all-users install, HKCU for a per-user one. "Open with" entries, removed on uninstall.
Root: HKA; Subkey: "Software\Classes\Meshwright.Model"; ValueType: string; ValueName: ""; ValueData: "3D model"; Flags: uninsdeletekey; Tasks: associate
Root: HKA; Subkey: "Software\Classes\Meshwright.Model\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\Meshwright.exe,0"; Tasks: associate
Root: HKA; Subkey: "Software\Classes\Meshwright.Model\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\Meshwright.exe"" ""%1"""; Tasks: associate
Root: HKA; Subkey: "Software\Classes\.glb\OpenWithProgids"; ValueType: string; ValueName: "Meshwright.Model"; ValueData: ""; Flags: uninsdeletevalue; Tasks: associate
Root: HKA; Subkey: "Software\Classes\.gltf\OpenWithProgids"; ValueType: string; ValueName: "Meshwright.Model"; ValueData: ""; Flags: uninsdeletevalue; Tasks: associate
Root: HKA; Subkey: "Software\Classes\Applications\Meshwright.exe\SupportedTypes"; ValueType: string; ValueName: ".glb"; ValueData: ""; Flags: uninsdeletekey; Tasks: associate

; The user's own PATH (HKCU), whichever install mode: the command line is a per-user convenience.
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: NeedsAddPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\Meshwright.exe"; Description: "{cm:LaunchProgram,Meshwright}"; Flags: nowait postinstall skipifsilent

[Code]
function PathIndex(Dir, Path: string): Integer;
begin
  { 1-based position of ';Dir;' in ';Path;', 0 when the folder is not on the path (case-insensitive) }
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Path) + ';');
end;

function NeedsAddPath(Dir: string): Boolean;
var
  Path: string;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Path) then
    Result := True
  else
    Result := PathIndex(Dir, Path) = 0;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Path, Dir: string;
  Index: Integer;
begin
  if CurUninstallStep <> usPostUninstall then
    exit;
  Dir := ExpandConstant('{app}');
  if not RegQueryStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Path) then
    exit;
  Index := PathIndex(Dir, Path);
  if Index = 0 then
    exit;
  if Index = 1 then
    Delete(Path, 1, Length(Dir) + 1)   { first entry: the folder and the ';' after it }
  else
    Delete(Path, Index - 1, Length(Dir) + 1);  { later entry: the ';' before it and the folder }
  RegWriteExpandStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Path);
end;
